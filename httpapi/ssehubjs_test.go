package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/js"
)

// GET /ssehub.js: the module, as a script any origin may import, with an
// ETag that a browser revalidates on every load (304 while unchanged).
func TestSharedModule(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	origin := http.Header{"Origin": {"https://app.example"}}
	code, h, body := ts.getPage(t, http.MethodGet, "/ssehub.js", origin)
	if code != http.StatusOK {
		t.Fatalf("GET /ssehub.js: status %d, want 200; body %q", code, body)
	}
	if body != string(js.Module) {
		t.Errorf("GET /ssehub.js: %d bytes, not the %d of js/ssehub.js", len(body), len(js.Module))
	}
	if !strings.Contains(body, "export class SharedEventSource") && !strings.Contains(body, "export const SharedEventSource") {
		t.Errorf("GET /ssehub.js does not export SharedEventSource")
	}
	for k, want := range map[string]string{
		"Content-Type":                 "text/javascript; charset=utf-8",
		"Access-Control-Allow-Origin":  "*",
		"Cache-Control":                "no-cache",
		"X-Content-Type-Options":       "nosniff",
		"Cross-Origin-Resource-Policy": "cross-origin",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("GET /ssehub.js: %s %q, want %q", k, got, want)
		}
	}
	etag := h.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
		t.Fatalf("GET /ssehub.js: ETag %q, want a strong quoted tag", etag)
	}

	code, h, body = ts.getPage(t, http.MethodGet, "/ssehub.js", http.Header{"If-None-Match": {etag}, "Origin": {"https://app.example"}})
	if code != http.StatusNotModified || body != "" {
		t.Errorf("GET /ssehub.js with If-None-Match: its ETag: status %d, %d bytes; want 304, none", code, len(body))
	}
	if h.Get("ETag") != etag || h.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("the 304: ETag %q, Access-Control-Allow-Origin %q", h.Get("ETag"), h.Get("Access-Control-Allow-Origin"))
	}
	code, _, body = ts.getPage(t, http.MethodGet, "/ssehub.js", http.Header{"If-None-Match": {`"another"`}})
	if code != http.StatusOK || body != string(js.Module) {
		t.Errorf("GET /ssehub.js with another ETag: status %d, want 200 and the module", code)
	}
	code, _, body = ts.getPage(t, http.MethodHead, "/ssehub.js", nil)
	if code != http.StatusOK || body != "" {
		t.Errorf("HEAD /ssehub.js: status %d, %d bytes; want 200, none", code, len(body))
	}

	code, h, body = ts.getPage(t, http.MethodPost, "/ssehub.js", nil)
	var e struct{ Error string }
	if code != http.StatusMethodNotAllowed || h.Get("Allow") != "GET" || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
		t.Errorf("POST /ssehub.js: status %d, Allow %q, body %q; want 405, GET, a JSON error", code, h.Get("Allow"), body)
	}
}
