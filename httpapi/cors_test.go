package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
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
