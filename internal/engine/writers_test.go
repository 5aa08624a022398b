package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

// What queued before a stream's turn is written with one write; an event
// queued during the write sends the stream back to the end of the line,
// still owning the drain, and is written on its next turn.
func TestPoolBatchesAndRequeues(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	s, sink := te.live(t, "c")
	te.deliver(1, "e1;", "c")
	te.deliver(2, "e2;", "c")
	if n := len(te.inLine()); n != 1 {
		t.Fatalf("the stream is %d times in the line, want once", n)
	}
	sink.onTry = func() {
		sink.onTry = nil
		te.deliver(3, "e3;", "c") // a live delivery while the writer writes
		if n := len(te.inLine()); n != 0 {
			t.Errorf("a second writer was started during the turn (%d in line)", n)
		}
	}
	te.writers.flush(mustPop(t, te))
	wantWritten(t, sink.memSink, "e1;e2;", 1)
	if line := te.inLine(); len(line) != 1 || line[0] != s {
		t.Fatalf("after a turn with more queued, the line holds %d streams, want the stream", len(line))
	}
	te.runPool()
	wantWritten(t, sink.memSink, "e1;e2;e3;", 2)
	te.deliver(4, "e4;", "c") // the turn ended: a new event starts a writer again
	te.runPool()
	wantWritten(t, sink.memSink, "e1;e2;e3;e4;", 3)
}

func mustPop(t *testing.T, te *testEngine) *Stream {
	t.Helper()
	if len(te.inLine()) == 0 {
		t.Fatal("no stream waits for a writer")
	}
	s, _ := te.writers.pop()
	return s
}

// A client that takes only part of a write gets a goroutine of its own,
// which writes the rest and then what was queued meanwhile, in order,
// while the pool goes on writing the other streams.
func TestSlowClientGetsItsOwnWriter(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	slow, sink := te.live(t, "slow")
	other, otherSink := te.live(t, "other")
	sink.take = 2
	release := sink.holdWrites()
	te.deliver(1, "abcdef;", "slow")
	te.runPool()
	await(t, sink.entered, "the slow stream's own writer")

	te.deliver(2, "e2;", "slow", "other") // the slow writer is held in its write
	if line := te.inLine(); len(line) != 1 || line[0] != other {
		t.Fatalf("the line holds %d streams, want only the other: the slow one has its writer", len(line))
	}
	te.runPool()
	wantWritten(t, otherSink.memSink, "e2;", 1)

	release()
	waitWritten(t, sink.memSink, "abcdef;e2;", 3) // the rest, then what was queued meanwhile
	await(t, sink.returned, "the rest of the partial write")
	await(t, sink.returned, "the write of what was queued meanwhile")
	te.deliver(3, "e3;", "slow") // the slow writer's turn ended with the queue empty
	if line := te.inLine(); len(line) != 1 || line[0] != slow {
		t.Fatal("an event after the slow writer finished did not go to the pool")
	}
	te.runPool()
	te.wantOpen(t)
}

// A hang-up while the stream's writer is blocked in a write closes the
// stream at once, dropping its queue, for client_gone; the writer's failed
// write afterwards changes nothing, and nothing more is queued.
func TestHangUpDuringAWrite(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	s, sink := te.live(t, "c")
	sink.take = 1
	release := sink.holdWrites()
	te.deliver(1, "e1;", "c")
	te.runPool()
	await(t, sink.entered, "the stream's own writer")
	te.deliver(2, "e2;", "c")

	s.HangUp()
	te.wantClosed(t, s, CloseClientGone)
	if events, _ := s.Queued(); events != 0 {
		t.Fatalf("%d events left queued on a closed stream", events)
	}
	if n := te.deliver(3, "e3;", "c"); n != 0 {
		t.Fatal("a closed stream took an event")
	}
	sink.fail(errors.New("use of closed network connection"))
	release()
	await(t, sink.returned, "the writer's failed write")
	te.wantOpen(t) // the writer's failure is not a second closing
	if c := te.Counts(); c.Closed[CloseClientGone] != 1 || c.Closed[CloseWriteTimeout] != 0 {
		t.Fatalf("Closed = %v, want one client_gone", c.Closed)
	}
	wantWritten(t, sink.memSink, "e", 1) // what TryWrite took; nothing after the hang-up
}

// A failed write closes the stream: for write_timeout when it timed out,
// client_gone otherwise.
func TestWriteFailureCloses(t *testing.T) {
	for _, c := range []struct {
		err  error
		want CloseReason
	}{
		{fmt.Errorf("write: %w", os.ErrDeadlineExceeded), CloseWriteTimeout},
		{errors.New("broken pipe"), CloseClientGone},
	} {
		te := newTestEngine(t, 1<<10)
		s, sink := te.live(t, "c")
		sink.fail(c.err)
		te.deliver(1, "e1;", "c")
		te.runPool()
		te.wantClosed(t, s, c.want)
	}
}

// Bytes a sink took but still holds (TLS records) are pushed out by a
// blocking write on the stream's own goroutine.
func TestPendingBytesArePushed(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	_, sink := te.live(t, "c")
	sink.pending = true
	te.deliver(1, "e1;", "c")
	te.runPool()
	waitWritten(t, sink.memSink, "e1;", 2) // the second write is empty
}

// The publisher writes the first few streams of its own publish itself,
// once it finishes; the rest, and any stream its fan-out reaches after it
// finished, go to the pool.
func TestPublisherWritesFirstStreams(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	var sinks []*pooledMemSink
	for i := range maxInlineWrites + 2 {
		_, sink := te.live(t, fmt.Sprintf("c%d", i))
		sinks = append(sinks, sink)
	}
	pub := new(Publication)
	te.Deliver(1, []byte("e1;"), &Targets{Broadcast: true}, pub)
	if n := len(te.inLine()); n != 2 {
		t.Fatalf("%d streams went to the pool, want 2", n)
	}
	n, wrote := te.FinishPublication(pub)
	if n != maxInlineWrites+2 || !wrote {
		t.Fatalf("FinishPublication = %d, %v; want %d, true", n, wrote, maxInlineWrites+2)
	}
	inline := 0
	for _, sink := range sinks {
		if text, _, _ := sink.state(); text == "e1;" {
			inline++
		}
	}
	if inline != maxInlineWrites {
		t.Fatalf("the publisher wrote %d streams, want %d", inline, maxInlineWrites)
	}
	te.runPool()
	for _, sink := range sinks {
		wantWritten(t, sink.memSink, "e1;", 1)
	}

	te.Deliver(2, []byte("e2;"), &Targets{Clients: []string{"c0"}}, pub) // a fan-out after the publisher finished
	if n := len(te.inLine()); n != 1 {
		t.Fatalf("a late fan-out left %d streams in the pool's line, want 1", n)
	}
	te.runPool()
	wantWritten(t, sinks[0].memSink, "e1;e2;", 2)
}

// A stream whose sink the pool does not write is written by its Serve
// goroutine when woken; Serve returns when the stream closes, and closes it
// when the request ends.
func TestServeWritesANonPooledSink(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	sink := newMemSink()
	s := te.open(t, sink, "c")
	s.GoLive(0)
	served := make(chan struct{})
	go func() { s.Serve(nil); close(served) }()
	te.deliver(1, "e1;", "c")
	waitWritten(t, sink, "e1;", 1)
	if n := len(te.inLine()); n != 0 {
		t.Fatal("a stream on a non-pooled sink went to the pool")
	}
	s.Close(CloseKicked)
	await(t, served, "Serve returning once the stream closed")
	te.wantClosed(t, s, CloseKicked)

	other := te.open(t, newMemSink(), "d")
	requestDone := make(chan struct{})
	close(requestDone)
	other.Serve(requestDone)
	te.wantClosed(t, other, CloseClientGone)
}

// Shutdown writes what each stream has queued, closes them for shutdown,
// and stops every goroutine; a stream whose client does not take its bytes
// is closed at once when ctx ends.
func TestShutdownDrainsThenCloses(t *testing.T) {
	closed := make(chan closing, 10)
	e := New(Config{
		QueueBytes: 1 << 10, WriteTimeout: time.Second, Heartbeat: time.Hour, Logger: newTestEngine(t, 0).cfg.Logger,
		OnClosed: func(s *Stream, why CloseReason) { closed <- closing{s, why} },
	})
	s := e.NewStream(Identity{Client: "c"}, newPooledSink(), ProtocolHTTP1)
	sink := s.sink.(*pooledMemSink)
	stuckSink := newPooledSink()
	stuck := e.NewStream(Identity{Client: "stuck"}, stuckSink, ProtocolHTTP1)
	for _, st := range []*Stream{s, stuck} {
		e.Register(st)
		st.GoLive(0)
	}
	stuckSink.take = 0
	release := stuckSink.holdWrites()
	defer release()
	e.Deliver(1, []byte("e1;"), &Targets{Broadcast: true}, nil)
	await(t, stuckSink.entered, "the stuck stream's own writer")

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := e.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want the deadline exceeded by the stuck stream", err)
	}
	wantWritten(t, sink.memSink, "e1;", 1)
	got := map[*Stream]CloseReason{}
	for range 2 {
		select {
		case c := <-closed:
			got[c.s] = c.why
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d streams reported closed within 5s, want 2", len(got))
		}
	}
	if got[s] != CloseShutdown || got[stuck] != CloseShutdown {
		t.Fatalf("closed for %v and %v, want shutdown for both", got[s], got[stuck])
	}
	if n := e.Registered(); n != 0 {
		t.Fatalf("%d streams registered after Shutdown", n)
	}
}
