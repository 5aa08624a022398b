package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/sse"
)

// checkPing404 requires POST /ping/id to answer 404 with a JSON error
// naming the client.
func checkPing404(t *testing.T, ts *testServer, id string) {
	t.Helper()
	code, h, body := ts.do(t, http.MethodPost, "/ping/"+id, "", nil)
	checkError(t, code, h, body, http.StatusNotFound, strconv.Quote(id))
}

func TestPing(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	checkPing404(t, ts, "alice")

	a1 := ts.openStream(t, "id=alice", nil)
	a2 := ts.openStream(t, "id=alice&topic=room", nil)
	bob := ts.openStream(t, "id=bob", nil)

	code, _, body := ts.do(t, http.MethodPost, "/ping/alice", "", nil)
	if code != http.StatusOK {
		t.Fatalf("POST /ping/alice: status %d (%q), want 200", code, body)
	}
	var ids []string
	for i, s := range []*ssetest.Stream{a1, a2} {
		ev := s.Next(t)
		if ev.Data != "Hello alice" || ev.Type != "message" {
			t.Errorf("alice stream %d got %q, want a message event with data %q", i+1, ev, "Hello alice")
		}
		ids = append(ids, ev.ID)
	}
	if ids[0] != ids[1] {
		t.Errorf("the two alice streams saw ids %q and %q, want one event", ids[0], ids[1])
	}

	// bob was not pinged: his next event is the sentinel.
	end := ts.publishJSON(t, `{"broadcast": true, "data": "end"}`)
	if got := until(t, bob, end.ID); len(got) != 0 {
		t.Errorf("bob received %q, want nothing", got)
	}
	if seq(t, end.ID) != seq(t, ids[0])+1 {
		t.Errorf("sentinel id %s, want the id after the ping's %s", end.ID, ids[0])
	}

	// Once alice's streams hang up, she is gone again: the hub notices the
	// hang-ups by itself, promptly.
	a1.Close()
	a2.Close()
	ssetest.Eventually(t, "alice has no open stream", func() bool { return localConns(ts.hub, "alice") == 0 })
	checkPing404(t, ts, "alice")
	// bob is still there.
	code, _, body = ts.do(t, http.MethodPost, "/ping/bob", "", nil)
	if code != http.StatusOK {
		t.Fatalf("POST /ping/bob: status %d (%q), want 200", code, body)
	}
	if ev := bob.Next(t); ev.Data != "Hello bob" {
		t.Errorf("bob got %q, want Hello bob", ev)
	}
}

// The hub notices a client that hangs up without the test telling the hub:
// /ping answers 404 again once the only stream is closed by the client.
func TestPingAfterHangUpIsPrompt(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{Heartbeat: -1}) // no heartbeat to find it
	for range 3 {
		s := ts.openStream(t, "id=carol", nil)
		code, _, body := ts.do(t, http.MethodPost, "/ping/carol", "", nil)
		if code != http.StatusOK {
			t.Fatalf("POST /ping/carol: %d %q", code, body)
		}
		if ev := s.Next(t); ev != (sse.Event{ID: ev.ID, Type: "message", Data: "Hello carol"}) {
			t.Errorf("carol got %q", ev)
		}
		s.Close()
		ssetest.Eventually(t, "POST /ping/carol answers 404 after the hang-up", func() bool {
			code, _, _ := ts.do(t, http.MethodPost, "/ping/carol", "", nil)
			return code == http.StatusNotFound
		})
	}
}

func TestHealthz(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	code, h, body := ts.do(t, http.MethodGet, "/healthz", "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /healthz while running: %d %q, want 200", code, body)
	}
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if !json.Valid(body) {
		t.Errorf("body %q is not JSON", body)
	}

	if err := ts.hub.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	code, h, body = ts.do(t, http.MethodGet, "/healthz", "", nil)
	checkError(t, code, h, body, http.StatusServiceUnavailable, "shutting down")

	// And a publish is refused with 503, not accepted and lost.
	code, h, body = ts.do(t, http.MethodPost, "/publish", "application/json", strings.NewReader(`{"broadcast": true, "data": "late"}`))
	checkError(t, code, h, body, http.StatusServiceUnavailable, "shutting down")
	if ra := h.Get("Retry-After"); ra != "1" { // a publisher's retry goes to another node, or this one restarted
		t.Errorf("publish while shutting down: Retry-After %q, want 1", ra)
	}
}

// Healthz flips to 503 as soon as Shutdown begins, while streams are still
// being drained.
func TestHealthzDuringShutdown(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	s := ts.openStream(t, "id=dave", nil)
	r := ts.publishJSON(t, `{"clients": ["dave"], "data": "before"}`)
	done := make(chan error, 1)
	go func() { done <- ts.hub.Shutdown(context.Background()) }()
	ssetest.Eventually(t, "GET /healthz answers 503", func() bool {
		code, _, _ := ts.do(t, http.MethodGet, "/healthz", "", nil)
		return code == http.StatusServiceUnavailable
	})
	if ev := s.Next(t); ev.ID != r.ID || ev.Data != "before" {
		t.Errorf("dave got %q, want the event published before shutdown", ev)
	}
	if rest, err := s.Ended(t); len(rest) != 0 || err != io.EOF {
		t.Errorf("stream ended with %q, %v; want nothing more and a clean EOF", rest, err)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// An event stream answers with the headers browsers and proxies need.
func TestStreamHeaders(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	s := ts.openStream(t, "id=alice", nil)
	for k, want := range map[string]string{
		"Content-Type":      "text/event-stream",
		"Cache-Control":     "no-cache",
		"X-Accel-Buffering": "no",
	} {
		if got := s.Resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
}
