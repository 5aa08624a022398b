package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// getPage sends GET (or another method) path with an optional header and
// returns the status, header and body.
func (ts *testServer) getPage(t *testing.T, method, path string, header http.Header) (int, http.Header, string) {
	t.Helper()
	resp, body := fetchPage(t, ts.client, method, ts.srv.URL+path, header)
	return resp.StatusCode, resp.Header, body
}

// fetchPage sends method url with an optional header through client,
// following redirects as a browser does, and returns the last response
// (its body read and closed) and that body.
func fetchPage(t *testing.T, client *http.Client, method, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return resp, string(b)
}

// inline returns the text between open and close in page, which must hold
// exactly one such element.
func inline(t *testing.T, page, open, close string) string {
	t.Helper()
	if n := strings.Count(page, open); n != 1 {
		t.Fatalf("the page has %d %s elements, want 1 (inlined)", n, open)
	}
	_, rest, _ := strings.Cut(page, open)
	text, _, ok := strings.Cut(rest, close)
	if !ok {
		t.Fatalf("%s is not closed", open)
	}
	return text
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// The demo page at /: one self-contained HTML document (its stylesheet and
// script inlined, nothing loaded from elsewhere but the hub's own
// ssehub.js, imported next to the page), whose Content Security Policy
// allows exactly that script, the hub's own scripts and that style, and
// connections to the hub itself only.
func TestDemoPage(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	code, h, page := ts.getPage(t, http.MethodGet, "/?id=alice&topic=room-1", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /: status %d, want 200; body %q", code, page)
	}
	if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q, want text/html; charset=utf-8", ct)
	}
	for name, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-cache",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	for _, want := range []string{"<!doctype html>", `<meta name="viewport"`, `id="events"`, `id="publish-form"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}

	script := inline(t, page, `<script type="module">`, "</script>")
	style := inline(t, page, "<style>", "</style>")
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{
		"default-src 'none'",
		"script-src 'self' " + digest(script) + ";",
		"style-src " + digest(style) + ";",
		"connect-src 'self'",
		"frame-ancestors 'none'",
	} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-") {
		t.Errorf("Content-Security-Policy %q allows something unsafe", csp)
	}
	// Nothing from elsewhere: no src, no link to another resource.
	if m := regexp.MustCompile(`(?i)\s(src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1); len(m) > 0 {
		for _, attr := range m {
			if attr[2] != "data:," {
				t.Errorf("the page loads %s=%q: it must be self-contained", attr[1], attr[2])
			}
		}
	}

	// Event data is text, never markup: none of the ways of turning a
	// string into HTML or code.
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setTimeout(\""} {
		if strings.Contains(script, bad) {
			t.Errorf("the page's script uses %s: event data must reach the page only as text", bad)
		}
	}
	// The API the script speaks: the routes, relative to the page (the API
	// may be under a prefix), the stream's query and the publish body.
	for _, want := range []string{`import { SharedEventSource } from "./ssehub.js";`, `new SharedEventSource(url)`, `route("sse")`, `route("publish")`, `new URL(name, location.href)`, `"id"`, `"topic"`, `"token"`, `"lastEventId"`,
		"msg.clients", "msg.topics", "msg.broadcast", "msg.event", "msg.data", "msg.ephemeral",
		`Authorization = "Bearer "`, `addEventListener(type`, `"reset"`, "history.replaceState", "textContent"} {
		if !strings.Contains(script, want) {
			t.Errorf("the page's script lacks %s", want)
		}
	}
	// No route from the host's root: under /hub/ it would be the
	// application's, not the hub's.
	if m := regexp.MustCompile(`["'\x60]/[a-z]`).FindAllString(script, -1); len(m) > 0 {
		t.Errorf("the page's script names absolute paths %q: its routes must be relative to the page", m)
	}

	// Conditional requests and HEAD.
	etag := h.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if code, _, body := ts.getPage(t, http.MethodGet, "/", http.Header{"If-None-Match": {etag}}); code != http.StatusNotModified || body != "" {
		t.Errorf("GET / with If-None-Match: %d %q, want 304 and no body", code, body)
	}
	if code, h, body := ts.getPage(t, http.MethodHead, "/", nil); code != http.StatusOK || body != "" || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("HEAD /: %d %q %q, want 200, text/html and no body", code, h.Get("Content-Type"), body)
	}
}

// The page is / exactly: its sources are not served on their own, every
// other unknown path stays a JSON 404, other methods get the API's JSON 405, and
// the other routes are untouched.
func TestDemoPageOnlyAtRoot(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	for _, path := range []string{"/index.html", "/demo.js", "/demo.css", "/demo/", "/demo/demo.js", "/x", "/sse/"} {
		code, h, body := ts.getPage(t, http.MethodGet, path, nil)
		checkError(t, code, h, []byte(body), http.StatusNotFound, path)
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		code, h, body := ts.getPage(t, method, "/", nil)
		if code != http.StatusMethodNotAllowed || !strings.Contains(body, `"error"`) || h.Get("Allow") != "GET" {
			t.Errorf("%s /: %d, Allow %q, %q; want 405, Allow GET and a JSON error", method, code, h.Get("Allow"), body)
		}
	}
	if code, _, body := ts.getPage(t, http.MethodGet, "/healthz", nil); code != http.StatusOK {
		t.Errorf("GET /healthz: %d %q", code, body)
	}
	s := ts.openStream(t, "id=alice", nil)
	p := ts.publishJSON(t, `{"clients": ["alice"], "data": "still here"}`)
	if ev := s.Next(t); ev.ID != p.ID || ev.Data != "still here" {
		t.Errorf("GET /sse beside the page: got %+v, want event %s", ev, p.ID)
	}
}
