package ssetest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Shutdowner is a hub as the helpers here see it: *ssehub.Hub, named by
// this interface so that ssetest need not import package ssehub.
type Shutdowner interface {
	Shutdown(ctx context.Context) error
}

// Serve serves handler (the hub, or an API or application around it) on a
// new loopback server, which [ShutdownAtEnd] closes after shutting hub
// down when the test ends.
func Serve(t testing.TB, hub Shutdowner, handler http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(handler)
	ShutdownAtEnd(t, hub, srv)
	return srv
}

// ShutdownAtEnd shuts hub down when the test ends, failing the test if that
// takes more than [Wait], and then closes servers. The hub goes first: its
// Shutdown ends the event streams, which a server's Close would otherwise
// wait for. For servers set up by hand (unstarted, TLS, h2c); servers may
// be none when the server's own cleanup closes it, registered earlier.
func ShutdownAtEnd(t testing.TB, hub Shutdowner, servers ...*httptest.Server) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), Wait)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Errorf("hub.Shutdown: %v", err)
		}
		for _, srv := range servers {
			srv.Close()
		}
	})
}

// StartH2C starts srv for cleartext HTTP/2 with prior knowledge (h2c)
// beside HTTP/1.1, and makes its Client speak h2c only, so that a request
// meant for HTTP/2 cannot pass over HTTP/1.1 unnoticed.
func StartH2C(srv *httptest.Server) {
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	only := new(http.Protocols)
	only.SetUnencryptedHTTP2(true)
	srv.Client().Transport.(*http.Transport).Protocols = only
}
