package client_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/client"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testHub is a real hub served by httpapi on a loopback port.
type testHub struct {
	hub *ssehub.Hub
	srv *httptest.Server
	url string
}

// startHub starts a hub with cfg and the HTTP API with api; the hub shuts
// down and the server closes when t ends.
func startHub(t *testing.T, cfg ssehub.Config, api httpapi.Config) *testHub {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Heartbeat = -1
	hub := ssehub.New(cfg)
	srv := ssetest.Serve(t, hub, httpapi.New(hub, api))
	return &testHub{hub: hub, srv: srv, url: srv.URL}
}

// open opens a registered stream of the hub at query ("id=alice&topic=t").
func (h *testHub) open(t *testing.T, query string, header http.Header) *ssetest.Stream {
	t.Helper()
	return ssetest.OpenRegistered(t, h.srv.Client(), h.url+"/sse?"+query, header)
}

// newClient returns a client of url with opts, whose HTTP client (its own
// unless opts has one) drops its idle connections when t ends.
func newClient(t *testing.T, url string, opts client.Options) *client.Client {
	t.Helper()
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(), Timeout: ssetest.Wait}
	}
	t.Cleanup(opts.HTTPClient.CloseIdleConnections)
	c, err := client.New(url, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// bounded returns a context that ends after d, for one call of the client.
func bounded(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
