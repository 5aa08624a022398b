package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
)

// A path no route serves is the API's JSON 404 for every method, never
// net/http's plain "404 page not found", and changes nothing.
func TestUnknownPathJSON404(t *testing.T) {
	ts := newAPIServer(t, ssehub.Config{}, httpapi.Config{PublishKeys: []string{"unknown-path-key-0123456789"}})
	s := ts.openStream(t, "id=alice", nil)
	for _, path := range []string{
		"/nope", "/sse/x", "/sse/", "/publish/x", "/publish/", "/ping/", "/ping/alice/x",
		"/clients/", "/clients/alice/x", "/healthz/x", "/metrics", "/index.html", "/" + strings.Repeat("x", 5000),
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
			code, h, body := ts.do(t, method, path, "application/json", strings.NewReader(`{"broadcast": true, "data": "x"}`))
			t.Run(method+" "+short(path), func(t *testing.T) {
				checkError(t, code, h, body, http.StatusNotFound, "no such path")
				if len(body) > 400 {
					t.Errorf("a %d-byte answer: the path is echoed whole", len(body))
				}
			})
		}
	}
	s.ExpectNone(t, 100*time.Millisecond)
	if n := localConns(ts.hub, "alice"); n != 1 {
		t.Errorf("alice's streams: %d, want 1", n)
	}
}

// A method a route does not take is the API's JSON 405, with Allow.
func TestWrongMethodJSON405(t *testing.T) {
	ts := newAPIServer(t, ssehub.Config{}, httpapi.Config{Metrics: http.NotFoundHandler()})
	for _, c := range []struct{ method, path, allow string }{
		{http.MethodPost, "/sse", "GET"},
		{http.MethodGet, "/publish", "POST"},
		{http.MethodGet, "/ping/alice", "POST"},
		{http.MethodPost, "/clients", "GET"},
		{http.MethodPut, "/clients/alice", "GET, DELETE"},
		{http.MethodPost, "/healthz", "GET"},
		{http.MethodDelete, "/readyz", "GET"},
		{http.MethodPost, "/metrics", "GET"},
		{http.MethodPut, "/", "GET"},
	} {
		code, h, body := ts.do(t, c.method, c.path, "", nil)
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			checkError(t, code, h, body, http.StatusMethodNotAllowed, c.method)
			if got := h.Get("Allow"); got != c.allow {
				t.Errorf("Allow %q, want %q", got, c.allow)
			}
		})
	}
}

// POST /ping/{id} for a client with no stream is a JSON 404 naming it.
func TestPing404JSON(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	code, h, body := ts.do(t, http.MethodPost, "/ping/nobody", "", nil)
	checkError(t, code, h, body, http.StatusNotFound, `"nobody"`)
}

// MetricsOnly serves GET /metrics and answers everything else as the API
// does: JSON 404 and 405.
func TestMetricsOnly(t *testing.T) {
	srv := httptest.NewServer(httpapi.MetricsOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ssehub_clients 0\n"))
	})))
	defer srv.Close()
	send := func(method, path string) (int, http.Header, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b
	}
	if code, _, body := send(http.MethodGet, "/metrics"); code != http.StatusOK || string(body) != "ssehub_clients 0\n" {
		t.Errorf("GET /metrics: %d %q, want 200 and the metrics", code, body)
	}
	for _, path := range []string{"/", "/nope", "/metrics/x", "/sse", "/publish"} {
		code, h, body := send(http.MethodGet, path)
		checkError(t, code, h, body, http.StatusNotFound, "no such path")
	}
	for _, method := range []string{http.MethodPost, http.MethodDelete} {
		code, h, body := send(method, "/metrics")
		checkError(t, code, h, body, http.StatusMethodNotAllowed, method)
		if h.Get("Allow") != "GET" {
			t.Errorf("%s /metrics: Allow %q, want GET", method, h.Get("Allow"))
		}
	}
}
