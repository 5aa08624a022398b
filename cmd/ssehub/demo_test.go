package main

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/ssetest"
)

// The README walkthrough: `curl -N "http://localhost:3020/sse?id=alice"` in
// two terminals, then `curl -X POST "http://localhost:3020/ping/alice"`
// shows Hello alice in both.
func TestDemoWalkthrough(t *testing.T) {
	r := startRun(t, nil, "-addr", "127.0.0.1:0", "-tick", "0")

	code, body, err := r.post("/ping/alice", "", "")
	if err != nil || code != http.StatusNotFound {
		t.Errorf("POST /ping/alice before any stream: %d %q %v, want 404", code, body, err)
	}

	s1 := ssetest.OpenRegistered(t, r.client, r.url+"/sse?id=alice", nil)
	s2 := ssetest.OpenRegistered(t, r.client, r.url+"/sse?id=alice", nil)
	code, body, err = r.post("/ping/alice", "", "")
	if err != nil || code != http.StatusOK {
		t.Fatalf("POST /ping/alice: %d %q %v, want 200", code, body, err)
	}
	for i, s := range []*ssetest.Stream{s1, s2} {
		ev := s.Next(t)
		if ev.Data != "Hello alice" || ev.Type != "message" {
			t.Errorf("terminal %d shows %q (type %s), want data %q", i+1, ev.Data, ev.Type, "Hello alice")
		}
	}
}

// checkTicks reads n events from s, each a tick: a message whose data is the
// current local time in the demo's layout. Ticks are ephemeral: they carry
// no id (the stream's last event id stays where it was) and take none, so
// the next recorded event follows the stream's position directly.
func checkTicks(t *testing.T, r *running, s *ssetest.Stream, n int) {
	t.Helper()
	var pos string
	for i := range n {
		ev := s.Next(t)
		if ev.Type != "message" {
			t.Errorf("tick %d has type %q, want message", i, ev.Type)
		}
		at, err := time.ParseInLocation("2006-01-02 15:04:05", ev.Data, time.Local)
		if err != nil {
			t.Fatalf("tick %d data %q does not parse as 2006-01-02 15:04:05: %v", i, ev.Data, err)
		}
		if d := time.Since(at); d < -2*time.Second || d > 5*time.Second {
			t.Errorf("tick %d says %s, %v away from now", i, ev.Data, d)
		}
		if i > 0 && ev.ID != pos {
			t.Errorf("tick %d moved the last event id from %q to %q: ticks carry no id", i, pos, ev.ID)
		}
		pos = ev.ID
	}
	p := r.publish(t, `{"broadcast": true, "data": "not a tick"}`)
	if want := strconv.FormatUint(mustParse(t, pos)+1, 10); p.ID != want {
		t.Errorf("the event after %d ticks has id %s, want %s: ticks must not take ids", n, p.ID, want)
	}
}

func mustParse(t *testing.T, id string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		t.Fatalf("id %q: %v", id, err)
	}
	return n
}

// checkNoTicks requires s to receive nothing for 500ms, then the event p
// publishes as its first event.
func checkNoTicks(t *testing.T, r *running, s *ssetest.Stream) {
	t.Helper()
	s.ExpectNone(t, 500*time.Millisecond)
	p := r.publish(t, `{"broadcast": true, "data": "not a tick"}`)
	if ev := s.Next(t); ev.ID != p.ID || ev.Data != "not a tick" {
		t.Errorf("got %q, want only the published event %s", ev, p.ID)
	}
}

func TestTick(t *testing.T) {
	t.Run("flag", func(t *testing.T) {
		r := startRun(t, nil, "-addr", "127.0.0.1:0", "-tick", "100ms")
		checkTicks(t, r, ssetest.OpenRegistered(t, r.client, r.url+"/sse?id=ticker", nil), 3)
	})
	t.Run("env", func(t *testing.T) {
		r := startRun(t, map[string]string{"SSEHUB_ADDR": "127.0.0.1:0", "SSEHUB_TICK": "100ms"})
		checkTicks(t, r, ssetest.OpenRegistered(t, r.client, r.url+"/sse", nil), 3)
	})
	t.Run("off", func(t *testing.T) {
		r := startRun(t, nil, "-addr", "127.0.0.1:0", "-tick", "0")
		checkNoTicks(t, r, ssetest.OpenRegistered(t, r.client, r.url+"/sse?id=ticker", nil))
	})
	t.Run("flag turns off the env's tick", func(t *testing.T) {
		r := startRun(t, map[string]string{"SSEHUB_TICK": "100ms"}, "-addr", "127.0.0.1:0", "-tick", "0")
		checkNoTicks(t, r, ssetest.OpenRegistered(t, r.client, r.url+"/sse?id=ticker", nil))
	})
}
