package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ssehub/ssehub/internal/ssetest"
)

// answer makes one request and returns the status, the header and the
// text of the JSON error the answer must be: a stream or an answer that
// is not a JSON {"error": ...} fails the test.
func answer(t *testing.T, client *http.Client, method, url string) (int, http.Header, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: %d with Content-Type %q, want a JSON error", method, url, resp.StatusCode, ct)
	}
	var body struct{ Error string }
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body); err != nil || body.Error == "" {
		t.Fatalf("%s %s: %d, body not a JSON {\"error\": ...}: %v", method, url, resp.StatusCode, err)
	}
	return resp.StatusCode, resp.Header, body.Error
}

// Every 404 and 405 of the server, on -addr and on -metrics-addr, is a
// JSON error; a 405 says what is allowed.
func TestJSON404And405(t *testing.T) {
	maddr := freeAddr(t)
	r := startRun(t, map[string]string{"SSEHUB_TICK": "0"}, "-addr", "127.0.0.1:0", "-metrics-addr", maddr)
	murl := "http://" + maddr
	for _, c := range []struct{ method, url string }{
		{"GET", r.url + "/nope"}, {"POST", r.url + "/sse/x"}, {"POST", r.url + "/publish/x"},
		{"GET", r.url + "/metrics"}, // it is on -metrics-addr
		{"POST", r.url + "/ping/nobody"},
		{"GET", murl + "/nope"}, {"GET", murl + "/"}, {"GET", murl + "/sse"},
	} {
		if code, _, msg := answer(t, r.client, c.method, c.url); code != http.StatusNotFound {
			t.Errorf("%s %s: %d %q, want 404", c.method, c.url, code, msg)
		}
	}
	for _, c := range []struct{ method, url, allow string }{
		{"POST", r.url + "/sse", "GET"}, {"GET", r.url + "/publish", "POST"}, {"DELETE", r.url + "/", "GET"},
		{"POST", murl + "/metrics", "GET"}, {"DELETE", murl + "/metrics", "GET"},
	} {
		if code, h, msg := answer(t, r.client, c.method, c.url); code != http.StatusMethodNotAllowed || h.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d %q, Allow %q; want 405, Allow %q", c.method, c.url, code, msg, h.Get("Allow"), c.allow)
		}
	}
	if code, body := scrape(t, r.client, murl+"/metrics", ""); code != http.StatusOK || !strings.Contains(body, "ssehub_streams_open") {
		t.Errorf("GET /metrics on -metrics-addr: %d %.200q", code, body)
	}
}

// /sse refuses a parameter it does not know, with the one probably meant;
// -sse-params (or SSEHUB_SSE_PARAMS) adds the application's own.
func TestSSEParams(t *testing.T) {
	plain := startRun(t, map[string]string{"SSEHUB_TICK": "0"}, "-addr", "127.0.0.1:0")
	for query, want := range map[string]string{
		"id=a&topics=room-1": `unknown query parameter "topics" (did you mean "topic"?)`,
		"id=a&_=1":           `unknown query parameter "_" (a stream takes id, topic, lastEventId, token)`,
	} {
		if code, _, msg := answer(t, plain.client, "GET", plain.url+"/sse?"+query); code != http.StatusBadRequest || msg != want {
			t.Errorf("GET /sse?%s: %d %q, want 400 %q", query, code, msg, want)
		}
	}

	for name, r := range map[string]*running{
		"flag": startRun(t, map[string]string{"SSEHUB_TICK": "0"}, "-addr", "127.0.0.1:0", "-sse-params", "_, v"),
		"env":  startRun(t, map[string]string{"SSEHUB_TICK": "0", "SSEHUB_SSE_PARAMS": "_,v"}, "-addr", "127.0.0.1:0"),
	} {
		s := ssetest.OpenRegistered(t, r.client, r.url+"/sse?id=alice&topic=room-1&_=1700000000&v=2", nil)
		r.publish(t, `{"topics": ["room-1"], "data": "hello"}`)
		s.Expect(t, "hello")
		s.Close()
		want := `unknown query parameter "vv" (a stream takes id, topic, lastEventId, token, _, v)`
		if code, _, msg := answer(t, r.client, "GET", r.url+"/sse?id=a&vv=2"); code != http.StatusBadRequest || msg != want {
			t.Errorf("%s: GET /sse?id=a&vv=2: %d %q, want 400 %q", name, code, msg, want)
		}
	}
}
