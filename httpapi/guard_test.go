package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// send makes one request with extra header lines ("Name: value") and
// returns the status, header and body.
func (ts *testServer) send(t *testing.T, method, path, body string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, ts.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, line := range header {
		name, value, _ := strings.Cut(line, ": ")
		req.Header.Set(name, value)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// sendJSON posts a JSON body to /publish with extra header lines.
func (ts *testServer) sendJSON(t *testing.T, body string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	return ts.send(t, "POST", "/publish", body, append([]string{"Content-Type: application/json"}, header...)...)
}

const (
	key1 = "0123456789abcdef0123456789abcdef"
	key2 = "another-publish-key-for-rotation"
)

// With publish keys, publishing and /ping need one of them; streams and
// health do not.
func TestPublishKeys(t *testing.T) {
	ts := newAPIServer(t, ssehub.Config{}, httpapi.Config{PublishKeys: []string{key1, key2}})
	s := ts.openStream(t, "id=alice", nil)
	for _, path := range []string{"/publish", "/ping/alice"} {
		body := "client=alice&data=x"
		code, h, b := ts.send(t, "POST", path, body)
		checkError(t, code, h, b, http.StatusUnauthorized, "publish key")
		if !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s without a key: WWW-Authenticate %q, want a Bearer challenge", path, h.Get("WWW-Authenticate"))
		}
		for _, bad := range []string{"Bearer wrong", "Bearer " + key1 + "x", "Basic " + key1, "Bearer " + key1[:16], "Bearer"} {
			code, h, b := ts.send(t, "POST", path, body, "Authorization: "+bad)
			want := http.StatusForbidden
			if !strings.HasPrefix(bad, "Bearer ") {
				want = http.StatusUnauthorized
			}
			checkError(t, code, h, b, want)
		}
		for _, good := range []string{"Bearer " + key1, "bearer " + key2} {
			if code, _, b := ts.send(t, "POST", path, body, "Authorization: "+good); code != http.StatusOK {
				t.Errorf("%s with %q: %d %s, want 200", path, good, code, b)
			}
		}
	}
	// Only the four accepted publishes reached the stream.
	for range 4 {
		s.Next(t)
	}
	s.ExpectNone(t, 50*time.Millisecond)
	if code, _, b := ts.send(t, "GET", "/healthz", ""); code != http.StatusOK {
		t.Errorf("/healthz with keys configured: %d %s, want 200 without a key", code, b)
	}
}

// Even open, a browser page of another origin cannot publish (a cross-site
// form post, a fetch): only pages of the hub's own origin and of origins
// listed by name. Clients that are not browsers (no Origin) publish as
// before.
func TestCrossSitePublishRefused(t *testing.T) {
	ts := newAPIServer(t, ssehub.Config{}, httpapi.Config{AllowOrigins: []string{"*", "https://app.example.com"}})
	s := ts.openStream(t, "id=alice", nil)
	body := "client=alice&data=x"
	for _, headers := range [][]string{
		{"Origin: https://evil.example", "Sec-Fetch-Site: cross-site"},
		{"Origin: https://evil.example"}, // an older browser: Origin only
		{"Origin: null", "Sec-Fetch-Site: cross-site"},
	} {
		for _, path := range []string{"/publish", "/ping/alice"} {
			code, h, b := ts.send(t, "POST", path, body, headers...)
			checkError(t, code, h, b, http.StatusForbidden, "origin")
		}
	}
	s.ExpectNone(t, 50*time.Millisecond)
	for _, headers := range [][]string{
		nil, // curl, a backend
		{"Origin: " + ts.srv.URL, "Sec-Fetch-Site: same-origin"},
		{"Origin: https://app.example.com", "Sec-Fetch-Site: cross-site"}, // listed by name
	} {
		if code, _, b := ts.send(t, "POST", "/publish", body, headers...); code != http.StatusOK {
			t.Errorf("publish with %q: %d %s, want 200", headers, code, b)
		}
		s.Next(t)
	}
}

// The body and data limits refuse with 413 and publish nothing.
func TestBodyAndDataLimits(t *testing.T) {
	ts := newAPIServer(t, ssehub.Config{}, httpapi.Config{MaxBodyBytes: 4096, MaxDataBytes: 100})
	s := ts.openStream(t, "id=alice", nil)
	code, h, b := ts.send(t, "POST", "/publish", "client=alice&data="+strings.Repeat("x", 101))
	checkError(t, code, h, b, http.StatusRequestEntityTooLarge, "data", "100")
	code, h, b = ts.send(t, "POST", "/publish", "client=alice&data="+strings.Repeat("x", 5000))
	checkError(t, code, h, b, http.StatusRequestEntityTooLarge, "4096")
	s.ExpectNone(t, 20*time.Millisecond)
	if code, _, b := ts.send(t, "POST", "/publish", "client=alice&data="+strings.Repeat("x", 100)); code != http.StatusOK {
		t.Errorf("data of exactly the limit: %d %s, want 200", code, b)
	}
}
