package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// embedded starts a hub and serves its API as mount wraps it: an
// application's server on a real loopback port.
func embedded(t *testing.T, mount func(api http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	hub := ssehub.New(ssehub.Config{Logger: slog.New(slog.DiscardHandler)})
	return ssetest.Serve(t, hub, mount(httpapi.New(hub, httpapi.Config{})))
}

// visit sends method path to srv, following redirects as a browser does,
// and returns where it ended, the status and the body.
func visit(t *testing.T, srv *httptest.Server, method, path string) (string, int, string) {
	t.Helper()
	resp, body := fetchPage(t, srv.Client(), method, srv.URL+path, nil)
	return resp.Request.URL.RequestURI(), resp.StatusCode, body
}

// isPage says whether body is the demo page.
func isPage(body string) bool {
	return strings.HasPrefix(body, "<!doctype html>") && strings.Contains(body, `id="publish-form"`)
}

// The demo page under a prefix: at /hub/, and /hub (no slash) leads there
// with its query, whether the application's mux redirects it (README's
// Embedding) or the API gets it with an empty path (StripPrefix alone, or a
// deeper prefix). Never to the application's root.
func TestDemoPageUnderPrefix(t *testing.T) {
	readme := embedded(t, func(api http.Handler) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/hub/", http.StripPrefix("/hub", api))
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "the application's", http.StatusTeapot) })
		return mux
	})
	bare := embedded(t, func(api http.Handler) http.Handler { return http.StripPrefix("/hub", api) })
	deep := embedded(t, func(api http.Handler) http.Handler { return http.StripPrefix("/apps/chat/hub", api) })
	for _, c := range []struct {
		name      string
		srv       *httptest.Server
		path, end string
	}{
		{"README's mux", readme, "/hub/?id=alice", "/hub/?id=alice"},
		{"README's mux", readme, "/hub?id=alice&topic=room-1", "/hub/?id=alice&topic=room-1"},
		{"StripPrefix alone", bare, "/hub/", "/hub/"},
		{"StripPrefix alone", bare, "/hub?id=alice&topic=room-1", "/hub/?id=alice&topic=room-1"},
		{"StripPrefix alone", bare, "/hub", "/hub/"},
		{"a deeper prefix", deep, "/apps/chat/hub?id=alice", "/apps/chat/hub/?id=alice"},
	} {
		end, code, body := visit(t, c.srv, http.MethodGet, c.path)
		if code != http.StatusOK || end != c.end || !isPage(body) {
			t.Errorf("%s: GET %s ended at %s with %d %.60q; want the demo page at %s", c.name, c.path, end, code, body, c.end)
		}
	}

	// Only GET: the page's other methods are refused as at /.
	end, code, body := visit(t, bare, http.MethodPost, "/hub")
	if code != http.StatusMethodNotAllowed || end != "/hub" || !strings.Contains(body, `"error"`) {
		t.Errorf("POST /hub: %d at %s, %q; want 405 and a JSON error, no redirect", code, end, body)
	}
	// The API's routes beside it, under the prefix.
	if _, code, body := visit(t, bare, http.MethodGet, "/hub/healthz"); code != http.StatusOK {
		t.Errorf("GET /hub/healthz: %d %q", code, body)
	}
}

// A prefix stripped with its trailing slash leaves the routes without their
// leading one: no page there, but a JSON 404 that says what to strip.
func TestDemoPagePrefixWithSlash(t *testing.T) {
	srv := embedded(t, func(api http.Handler) http.Handler { return http.StripPrefix("/hub/", api) })
	end, code, body := visit(t, srv, http.MethodGet, "/hub/")
	var e struct {
		Error string `json:"error"`
	}
	if code != http.StatusNotFound || end != "/hub/" || json.Unmarshal([]byte(body), &e) != nil || !strings.Contains(e.Error, `strip "/hub" instead`) {
		t.Errorf("GET /hub/ with the slash stripped: %d at %s, %q; want 404 and a JSON error saying to strip \"/hub\"", code, end, body)
	}
}
