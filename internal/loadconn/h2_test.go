package loadconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A hub serving HTTP/2 and HTTP/1.1 over TLS: the raw clients get
// HTTP/1.1, the pool's streams HTTP/2, a group of them per connection,
// and an unknown certificate is named as such.
func TestStreamsOverTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(serveEvent))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	base := &tls.Config{RootCAs: roots}
	nodes := []Node{nodeOf(t, srv)}
	ConfigureTLS(nodes, base)
	if got, _ := dialFrom(t, nodes[0], 1, "c1", ""); got != "HTTP/1.1 c1  127.0.0.1" {
		t.Errorf("HTTP/1.1 over TLS: data %q, want \"HTTP/1.1 c1  127.0.0.1\"", got)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool := NewH2Pool(3, 2, nodes, NewDialers(SourceAddrs(nodes[0].IP, 1, 2)), base)
	defer pool.Close()
	for i := range 3 {
		body, end, err := pool.Open(ctx, i, 0, "c1", "9")
		if err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
		got := firstData(t, body)
		end()
		if want := "HTTP/2.0 c1 9 127.0.0." + string(rune('1'+i/2)); got != want {
			t.Errorf("HTTP/2 stream %d: data %q, want %q", i, got, want)
		}
	}
	if n := pool.Dials(); n != 2 {
		t.Errorf("3 streams, 2 to a connection: %d connections dialed, want 2", n)
	}

	unknown := []Node{nodeOf(t, srv)}
	ConfigureTLS(unknown, &tls.Config{})
	d := NewDialers(SourceAddrs(unknown[0].IP, 1, 1))[0]
	_, _, _, err := DialStream(ctx, d, unknown[0], StreamRequest(unknown[0], "c1", ""), 1024)
	if ErrorKind(err) != "bad certificate" {
		t.Errorf("unknown certificate: %v, kind %q; want \"bad certificate\"", err, ErrorKind(err))
	}
}
