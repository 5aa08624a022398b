package client_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
)

// A proxy is a real reverse proxy in front of a hub that can answer some
// requests itself (a 503 with Retry-After, as a load balancer does) or lose
// an answer after forwarding its request, so that the client's retries
// meet these for real. It records each request's Idempotency-Key.
type proxy struct {
	url string
	rp  *httputil.ReverseProxy

	mu   sync.Mutex
	keys []string
}

// startProxy starts a proxy to target; plan is asked about each request
// (n counts from 1) and returns true when it answered it itself.
func startProxy(t *testing.T, target string, plan func(p *proxy, n int, w http.ResponseWriter, r *http.Request) bool) *proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{rp: httputil.NewSingleHostReverseProxy(u)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.keys = append(p.keys, r.Header.Get("Idempotency-Key"))
		n := len(p.keys)
		p.mu.Unlock()
		if !plan(p, n, w, r) {
			p.rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

// requests returns the Idempotency-Key of each request so far.
func (p *proxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.keys...)
}

// forwardAndDrop forwards r to the hub, waits for its whole answer, and
// then closes the client's connection without answering: a publish that
// was recorded but whose answer was lost. It returns the hub's answer.
func (p *proxy) forwardAndDrop(t *testing.T, w http.ResponseWriter, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	p.rp.ServeHTTP(rec, r)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("proxy: hijack: %v", err)
		return rec
	}
	conn.Close()
	return rec
}
