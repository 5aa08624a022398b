package metrics_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/metrics"
)

// publishKey is the key the fixture's API requires for publishing, the
// admin routes and /metrics.
const publishKey = "metrics-test-publish-key-0123456789"

// fixture is a real hub behind its real HTTP API (metrics included), on
// two real servers: plain HTTP/1.1, whose streams are taken over, and TLS
// with HTTP/2.
type fixture struct {
	hub    *ssehub.Hub
	h1, h2 *httptest.Server
}

func newFixture(t *testing.T, cfg ssehub.Config) *fixture {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	hub := ssehub.New(cfg)
	api := httpapi.New(hub, httpapi.Config{
		PublishKeys: []string{publishKey},
		Metrics:     metrics.Handler(hub, cfg.Log),
	})
	h1 := httptest.NewServer(api)
	h2 := httptest.NewUnstartedServer(api)
	h2.EnableHTTP2 = true
	h2.StartTLS()
	ssetest.ShutdownAtEnd(t, hub, h1, h2)
	return &fixture{hub: hub, h1: h1, h2: h2}
}

// stream opens GET /sse?query over HTTP/2 or HTTP/1.1, with extra header
// lines ("Name: value"), and returns once the hub has registered it.
func (f *fixture) stream(t *testing.T, http2 bool, query string, header ...string) *ssetest.Stream {
	t.Helper()
	srv := f.h1
	if http2 {
		srv = f.h2
	}
	h := http.Header{}
	for _, line := range header {
		name, value, _ := strings.Cut(line, ": ")
		h.Set(name, value)
	}
	s := ssetest.OpenRegistered(t, srv.Client(), srv.URL+"/sse?"+query, h)
	if want := map[bool]int{false: 1, true: 2}[http2]; s.Resp.ProtoMajor != want {
		t.Fatalf("GET /sse?%s: HTTP/%d, want HTTP/%d", query, s.Resp.ProtoMajor, want)
	}
	return s
}

// do sends a request with the publish key to the HTTP/1.1 server and
// returns the status and body.
func (f *fixture) do(t *testing.T, method, path, body string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, f.h1.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+publishKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.h1.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, b
}

type receipt struct {
	ID          string `json:"id"`
	Connections int    `json:"connections"`
}

// publish POSTs one JSON message to /publish and returns its receipt.
func (f *fixture) publish(t *testing.T, body string) receipt {
	t.Helper()
	code, b := f.do(t, http.MethodPost, "/publish", body)
	var r receipt
	if code != http.StatusOK || json.Unmarshal(b, &r) != nil {
		t.Fatalf("POST /publish %s: %d %s, want 200 and a receipt", body, code, b)
	}
	return r
}

// refused opens GET /sse?query over HTTP/1.1, which must be refused, and
// returns the status.
func (f *fixture) refused(t *testing.T, query string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.h1.URL+"/sse?"+query, nil)
	resp, err := f.h1.Client().Do(req)
	if err != nil {
		t.Fatalf("GET /sse?%s: %v", query, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatalf("GET /sse?%s: 200, want a refusal", query)
	}
	return resp.StatusCode
}

// metrics scrapes /metrics with the publish key.
func (f *fixture) metrics(t *testing.T) families {
	t.Helper()
	return scrape(t, f.h1.Client(), f.h1.URL+"/metrics", publishKey)
}
