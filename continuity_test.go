package ssehub_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/bolt"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/sse"
)

// A log that hands out copies of its entries (as any log that decodes them
// does) gets the same receipts and deliveries as one that does not.
func TestReceiptWithACopyingLog(t *testing.T) {
	log := &copyingLog{MemoryLog: ssehub.NewMemoryLog(ssehub.Retention{})}
	forEachMode(t, ssehub.Config{Log: log}, func(t *testing.T, e *env) {
		a1, a2 := e.open(t, "id=alice"), e.open(t, "id=alice")
		r := e.publish(t, ssehub.Message{Clients: []string{"alice"}, Data: []byte("hi")})
		if r.Streams != 2 {
			t.Errorf("receipt: %d connections, want 2", r.Streams)
		}
		a1.Expect(t, "hi")
		a2.Expect(t, "hi")
	})
}

// When the log loses continuity, every stream is ended so that its client
// resumes from the log: a stream that stayed open would silently miss the
// skipped entries.
func TestSkipEndsStreamsAndTheyResume(t *testing.T) {
	log := newGappyLog()
	forEachMode(t, ssehub.Config{Log: log}, func(t *testing.T, e *env) {
		s := e.open(t, "id=a")
		seen := e.publish(t, ssehub.Message{Broadcast: true, Data: []byte("seen")})
		s.Expect(t, "seen")

		log.losing.Store(true)
		lost := e.publish(t, ssehub.Message{Broadcast: true, Data: []byte("lost by the feed")})
		log.losing.Store(false)
		if rest, err := s.Ended(t); len(rest) > 0 || err.Error() != "EOF" {
			t.Fatalf("after a skip the stream got %v and ended with %v; want it ended cleanly at once", rest, err)
		}
		if n := e.hub.Stats().Skips; n != 1 {
			t.Errorf("Stats().Skips = %d, want 1", n)
		}

		again := e.open(t, "id=a", "Last-Event-ID: "+seen.ID)
		if ev := again.Next(t); ev.ID != lost.ID || ev.Data != "lost by the feed" {
			t.Errorf("resumed stream got %+v, want the skipped event %s from the log", ev, lost.ID)
		}
		fresh := e.open(t, "id=b")
		live := e.publish(t, ssehub.Message{Broadcast: true, Data: []byte("live")})
		again.Expect(t, "live")
		if ev := fresh.Next(t); ev.ID != live.ID {
			t.Errorf("a stream opened after the skip got %+v first, want the live event %s", ev, live.ID)
		}
	})
}

// Shutdown keeps its deadline even while a publish hangs in the log.
func TestShutdownWithAStuckAppend(t *testing.T) {
	log := newStuckLog()
	hub := ssehub.New(ssehub.Config{Log: log})
	srv := newServer(hub, modes[0])
	defer srv.Close()
	e := &env{hub: hub, srv: srv, client: srv.Client()}
	s := e.open(t, "id=a")

	close(log.stuck)
	published := make(chan error, 1)
	go func() {
		_, err := hub.Publish(context.Background(), ssehub.Message{Broadcast: true, Data: []byte("stuck")})
		published <- err
	}()
	ssetest.Eventually(t, "publish hanging in the log", func() bool { return log.waiting.Load() == 1 })

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := hub.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown with a stuck publish = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Shutdown took %v with a 200ms deadline", d)
	}
	if _, err := s.Ended(t); err == nil {
		t.Error("stream not ended by Shutdown")
	}
	close(log.release)
	select {
	case err := <-published:
		if err != nil {
			t.Errorf("the stuck publish, once released: %v", err)
		}
	case <-time.After(ssetest.Wait):
		t.Fatal("the stuck publish did not return once released")
	}
}

// A quiet stream is told its position with the heartbeat, so that after
// being away it resumes from a recent id: the events of other clients that
// came meanwhile are not replayed or mistaken for a loss.
func TestHeartbeatNamesAQuietStreamsPosition(t *testing.T) {
	forEachMode(t, ssehub.Config{Heartbeat: 20 * time.Millisecond}, func(t *testing.T, e *env) {
		resp := e.request(t, "id=quiet")
		var last ssehub.Receipt
		for i := range 5 {
			last = e.publish(t, ssehub.Message{Clients: []string{"busy"}, Data: []byte(strconv.Itoa(i))})
		}
		// Read the raw lines: a named heartbeat dispatches no event.
		timer := time.AfterFunc(ssetest.Wait, func() { resp.Body.Close() })
		defer timer.Stop()
		br := bufio.NewReader(resp.Body)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("no \"id: %s\" line on the quiet stream within %v: %v", last.ID, ssetest.Wait, err)
			}
			if strings.HasPrefix(line, "data:") {
				t.Fatalf("quiet stream got a data line %q, want none", line)
			}
			if line == "id: "+last.ID+"\n" {
				if next, _ := br.ReadString('\n'); next != "\n" {
					t.Fatalf("id line followed by %q, want the blank line that makes it the last event id", next)
				}
				return
			}
		}
	})
}

// A client whose own events are all retained resumes without a reset,
// however many other clients' events retention dropped meanwhile; on every
// store.
func TestNoResetForOtherClientsEvents(t *testing.T) {
	forEachStore(t, ssehub.Retention{MaxEntries: 3}, func(t *testing.T, log ssehub.Log) {
		e := start(t, ssehub.Config{Log: log, Heartbeat: -1}, modes[0])
		mine := e.publish(t, ssehub.Message{Clients: []string{"alice"}, Data: []byte("for alice")})
		for i := range 10 {
			e.publish(t, ssehub.Message{Clients: []string{"bob"}, Data: []byte(strconv.Itoa(i))})
		}
		s := e.open(t, "id=alice", "Last-Event-ID: "+mine.ID)
		live := e.publish(t, ssehub.Message{Clients: []string{"alice"}, Data: []byte("live")})
		if ev := s.Next(t); ev.Type != "message" || ev.ID != live.ID {
			t.Fatalf("alice resuming after bob's events were dropped got %+v first, want the live event %s and no reset", ev, live.ID)
		}
		// Resuming from before her own dropped event is a loss.
		before := strconv.FormatUint(mustSeq(t, mine.ID)-1, 10)
		r := e.open(t, "id=alice", "Last-Event-ID: "+before)
		if reason := resetReason(t, r.Next(t)); reason != "expired" {
			t.Errorf("reset reason %q, want expired", reason)
		}
		// An id the log never issued is unknown.
		future := strconv.FormatUint(mustSeq(t, live.ID)+10, 10)
		u := e.open(t, "id=alice", "Last-Event-ID: "+future)
		if reason := resetReason(t, u.Next(t)); reason != "unknown" {
			t.Errorf("reset reason for an id from the future %q, want unknown", reason)
		}
	})
}

// forEachStore runs fn with a fresh log of each store, closed when t ends.
func forEachStore(t *testing.T, r ssehub.Retention, fn func(t *testing.T, log ssehub.Log)) {
	t.Run("memory", func(t *testing.T) { fn(t, ssehub.NewMemoryLog(r)) })
	t.Run("bolt", func(t *testing.T) {
		log, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"), r)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { log.Close() }) // after the hub's Shutdown: cleanups run last first
		fn(t, log)
	})
}

// An id from a memory log that has since restarted was never issued by the
// new log: "unknown", as the README says.
func TestResetReasonAfterRestart(t *testing.T) {
	old := ssehub.NewMemoryLog(ssehub.Retention{})
	e := start(t, ssehub.Config{Log: old}, modes[0])
	before := e.publish(t, ssehub.Message{Broadcast: true, Data: []byte("before the restart")})
	time.Sleep(2 * time.Microsecond) // the new log's numbering starts later
	e2 := start(t, ssehub.Config{Log: ssehub.NewMemoryLog(ssehub.Retention{})}, modes[0])
	s := e2.open(t, "id=a", "Last-Event-ID: "+before.ID)
	if reason := resetReason(t, s.Next(t)); reason != "unknown" {
		t.Errorf("reset reason after a restart %q, want unknown", reason)
	}
}

func resetReason(t *testing.T, ev sse.Event) string {
	t.Helper()
	var data struct{ Reason string }
	if ev.Type != ssehub.ResetEventType || json.Unmarshal([]byte(ev.Data), &data) != nil {
		t.Fatalf("got %+v, want a reset event", ev)
	}
	return data.Reason
}

func mustSeq(t *testing.T, id string) uint64 {
	t.Helper()
	seq, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		t.Fatalf("id %q is not a sequence number", id)
	}
	return seq
}
