package httpapi_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// send makes one request with extra header lines ("Name: value"; "Host:
// name" sets the request's Host) and returns the status, header and body.
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
		if name == "Host" {
			req.Host = value
		}
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

// A page of a name its author resolves to the hub's loopback address (DNS
// rebinding) is same-origin to the hub, so the cross-origin check lets it
// through: an open hub answers publishing and the admin routes only for a
// Host that is an IP address, localhost or a listed name (403 naming
// -allow-host otherwise). With a publish key any Host is answered; streams,
// health and the demo page are never refused for their Host.
func TestOpenHubRefusesReboundHosts(t *testing.T) {
	stub := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ssehub_clients 0\n")) })
	const evil = "rebind.attacker.example"
	guarded := []struct{ method, path, body string }{
		{"POST", "/publish", "client=alice&data=x"},
		{"POST", "/ping/alice", ""},
		{"GET", "/clients", ""},
		{"GET", "/clients/alice", ""},
		{"DELETE", "/clients/alice", ""},
		{"GET", "/metrics", ""},
	}
	// as sends one of the guarded requests for host, as the rebinding page
	// would: same-origin by its own account.
	as := func(ts *testServer, method, path, body, host string, header ...string) (int, http.Header, []byte) {
		return ts.send(t, method, path, body, append([]string{"Host: " + host, "Origin: http://" + host, "Sec-Fetch-Site: same-origin"}, header...)...)
	}

	ts := newAPIServer(t, ssehub.Config{}, httpapi.Config{Metrics: stub, AllowHosts: []string{"Hub.Internal"}})
	s := ts.openStream(t, "id=alice", nil)
	port := ts.srv.Listener.Addr().(*net.TCPAddr).Port
	for _, host := range []string{evil, evil + ":" + strconv.Itoa(port), "127.0.0.1.nip.io", "localhost.attacker.example", "hub.internal.attacker.example"} {
		for _, r := range guarded {
			code, h, b := as(ts, r.method, r.path, r.body, host)
			checkError(t, code, h, b, http.StatusForbidden, "-allow-host", host)
		}
	}
	s.ExpectNone(t, 50*time.Millisecond)
	if n := localConns(ts.hub, "alice"); n != 1 {
		t.Errorf("alice has %d streams after the refused requests, want 1 (DELETE /clients/alice refused)", n)
	}
	for _, host := range []string{"127.0.0.1:" + strconv.Itoa(port), "127.0.0.1", "[::1]:" + strconv.Itoa(port), "[::1]", "localhost:" + strconv.Itoa(port), "LocalHost", "app.localhost:8080", "hub.internal", "HUB.internal.:3020"} {
		if code, _, b := as(ts, "POST", "/publish", "client=alice&data="+host, host); code != http.StatusOK {
			t.Errorf("publish for Host %q: %d %s, want 200", host, code, b)
			continue
		}
		s.Expect(t, host)
		for _, r := range guarded[2:5] {
			if code, _, b := as(ts, "GET", r.path, "", host); code != http.StatusOK && code != http.StatusNotFound {
				t.Errorf("GET %s for Host %q: %d %s, want an answer", r.path, host, code, b)
			}
		}
	}
	for _, path := range []string{"/healthz", "/readyz", "/"} {
		if code, _, b := as(ts, "GET", path, "", evil); code != http.StatusOK {
			t.Errorf("GET %s for Host %q: %d %s, want 200", path, evil, code, b)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.srv.URL+"/sse?id=bob", nil)
	req.Host = evil
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatalf("GET /sse for Host %q: %v", evil, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("GET /sse for Host %q: %d %s, want a stream", evil, resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	keyed := newAPIServer(t, ssehub.Config{}, httpapi.Config{Metrics: stub, PublishKeys: []string{key1}})
	ks := keyed.openStream(t, "id=alice", nil)
	for _, r := range guarded {
		if code, _, b := as(keyed, r.method, r.path, r.body, evil); code != http.StatusUnauthorized {
			t.Errorf("%s %s for Host %q without the key: %d %s, want 401", r.method, r.path, evil, code, b)
		}
	}
	for _, r := range guarded {
		if code, _, b := as(keyed, r.method, r.path, r.body, evil, "Authorization: Bearer "+key1); code != http.StatusOK {
			t.Errorf("%s %s for Host %q with the key: %d %s, want 200", r.method, r.path, evil, code, b)
		}
		if r.path == "/publish" {
			ks.Expect(t, "x")
		}
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
