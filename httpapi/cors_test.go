package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// Pages of an allowed origin may read streams; others get no CORS header,
// so the browser keeps the stream from them.
func TestCORS(t *testing.T) {
	for _, c := range []struct {
		name, allowed, origin, want string
	}{
		{"listed origin", "https://app.example", "https://app.example", "https://app.example"},
		{"other origin", "https://app.example", "https://evil.example", ""},
		{"any origin", "*", "https://anyone.example", "*"},
		{"no CORS configured", "", "https://app.example", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			hub := ssehub.New(ssehub.Config{})
			defer hub.Shutdown(context.Background())
			var cfg httpapi.Config
			if c.allowed != "" {
				cfg.AllowOrigins = []string{c.allowed}
			}
			srv := httptest.NewServer(httpapi.New(hub, cfg))
			defer srv.Close()

			s := ssetest.Open(t, srv.Client(), srv.URL+"/sse?id=a", http.Header{"Origin": {c.origin}})
			if got := s.Resp.Header.Get("Access-Control-Allow-Origin"); got != c.want {
				t.Errorf("stream: Access-Control-Allow-Origin %q, want %q", got, c.want)
			}
			s.Close()

			// The preflight a polyfill sends before setting Last-Event-ID.
			req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/sse?id=a", nil)
			req.Header.Set("Origin", c.origin)
			req.Header.Set("Access-Control-Request-Method", "GET")
			req.Header.Set("Access-Control-Request-Headers", "last-event-id")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if c.want == "" {
				if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
					t.Errorf("preflight: Access-Control-Allow-Origin %q, want none", got)
				}
				return
			}
			if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Headers") == "" {
				t.Errorf("preflight: %d %v, want 204 allowing Last-Event-ID", resp.StatusCode, resp.Header)
			}
		})
	}
}

// A page of an origin listed by name may call the publishing and admin
// routes across origins (preflight with Authorization and Idempotency-Key);
// "*" opens streams only.
func TestCORSForTheAPI(t *testing.T) {
	hub := ssehub.New(ssehub.Config{})
	defer hub.Shutdown(context.Background())
	srv := httptest.NewServer(httpapi.New(hub, httpapi.Config{AllowOrigins: []string{"*", "https://app.example"}}))
	defer srv.Close()
	preflight := func(path, method, origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL+path, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", method)
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type, idempotency-key")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, c := range []struct{ path, method string }{{"/publish", "POST"}, {"/ping/alice", "POST"}, {"/clients", "GET"}, {"/clients/alice", "DELETE"}} {
		resp := preflight(c.path, c.method, "https://app.example")
		h := resp.Header
		if resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "https://app.example" ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), c.method) || !strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") ||
			!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Idempotency-Key") || h.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("%s %s preflight from a listed origin: %d %v", c.method, c.path, resp.StatusCode, h)
		}
		if got := preflight(c.path, c.method, "https://anyone.example").Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("%s %s preflight from an origin allowed only by *: Access-Control-Allow-Origin %q, want none", c.method, c.path, got)
		}
	}
	// "*" never comes with credentials.
	s := ssetest.Open(t, srv.Client(), srv.URL+"/sse?id=a", http.Header{"Origin": {"https://anyone.example"}})
	if got := s.Resp.Header.Get("Access-Control-Allow-Credentials"); got != "" {
		t.Errorf("stream for an origin allowed by *: Access-Control-Allow-Credentials %q, want none", got)
	}
	s.Close()
}
