package ssehub_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/socket"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// mode is one way a stream can be served; the behaviour tests run in each.
type mode struct {
	name        string
	keepHandler bool
	http2       bool
	tls         bool // HTTP/1.1 over TLS
	sealed      bool // through the hub's TLS listener (ssehub.TLSListener)
	h2c         bool // cleartext HTTP/2
}

var modes = []mode{
	{name: "http1-takeover"},
	{name: "http1-handler", keepHandler: true},
	{name: "http2", http2: true},
	{name: "http1-tls-takeover", tls: true, sealed: true},
	{name: "http1-tls-plain-listener", tls: true},
	{name: "h2c", h2c: true},
}

// forEachMode runs fn once per mode, each with a fresh hub and server.
func forEachMode(t *testing.T, cfg ssehub.Config, fn func(t *testing.T, e *env)) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := cfg
			c.KeepHandler = m.keepHandler
			fn(t, start(t, c, m))
		})
	}
}

// env is a hub served over real HTTP.
type env struct {
	hub    *ssehub.Hub
	srv    *httptest.Server
	client *http.Client
}

func start(t *testing.T, cfg ssehub.Config, m mode) *env {
	t.Helper()
	hub := ssehub.New(cfg)
	srv := newServer(hub, m)
	ssetest.ShutdownAtEnd(t, hub, srv)
	return &env{hub: hub, srv: srv, client: srv.Client()}
}

func (e *env) publish(t *testing.T, m ssehub.Message) ssehub.Receipt {
	t.Helper()
	r, err := e.hub.Publish(context.Background(), m)
	if err != nil {
		t.Fatalf("Publish(%+v): %v", m, err)
	}
	return r
}

// open opens GET /?query with the given extra header lines ("Name: value"),
// waits for the response headers and reads the stream in the background.
func (e *env) open(t *testing.T, query string, header ...string) *ssetest.Stream {
	t.Helper()
	return ssetest.Open(t, e.client, e.srv.URL+"/?"+query, headerOf(header))
}

// request opens a stream and returns the response, which nothing reads.
func (e *env) request(t *testing.T, query string, header ...string) *http.Response {
	t.Helper()
	return ssetest.Get(t, e.client, e.srv.URL+"/?"+query, headerOf(header))
}

// headerOf turns header lines ("Name: value") into a header.
func headerOf(lines []string) http.Header {
	h := http.Header{}
	for _, line := range lines {
		name, value, _ := strings.Cut(line, ": ")
		h.Set(name, value)
	}
	return h
}

func newServer(hub http.Handler, m mode) *httptest.Server {
	srv := httptest.NewUnstartedServer(hub)
	switch {
	case m.http2:
		srv.EnableHTTP2 = true
		srv.StartTLS()
	case m.tls:
		if m.sealed {
			srv.Listener = socket.SealingListener(srv.Listener)
		}
		srv.TLS = &tls.Config{NextProtos: []string{"http/1.1"}}
		srv.StartTLS()
	case m.h2c:
		ssetest.StartH2C(srv)
	default:
		srv.Start()
	}
	return srv
}

// localConns returns how many streams client has open on h.
func localConns(h *ssehub.Hub, client string) int {
	n, _ := h.StreamCount(context.Background(), client)
	return n
}
