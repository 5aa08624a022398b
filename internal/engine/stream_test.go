package engine

import (
	"testing"
	"time"
)

// Live events that reach a replaying stream wait in its queue; going live
// drops those the replay covered (by sequence number), keeps the later ones
// and the ephemeral ones, and writes them in one batch.
func TestReplayThenLive(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	sink := newPooledSink()
	s := te.open(t, sink, "c")
	te.deliver(1, "e1;", "c")
	te.deliver(0, "eph;", "c")
	te.deliver(2, "e2;", "c")
	te.deliver(3, "e3;", "c")
	if n := len(te.inLine()); n != 0 {
		t.Fatalf("%d streams wait for a writer while replaying, want 0", n)
	}
	wantWritten(t, sink.memSink, "", 0)
	if events, _ := s.Queued(); events != 4 {
		t.Fatalf("%d events queued while replaying, want 4", events)
	}

	if !s.GoLive(2) { // the replay wrote up to 2
		t.Fatal("GoLive = false for an open stream")
	}
	if turns := te.runPool(); turns != 1 {
		t.Fatalf("%d pool turns after GoLive, want 1", turns)
	}
	wantWritten(t, sink.memSink, "eph;e3;", 1)
	if n := te.deliver(3, "e3;", "c"); n != 0 {
		t.Fatalf("event 3 delivered again to %d streams, want 0: the stream had it", n)
	}
	te.wantOpen(t)
}

// An event that reaches a stream through several of its targets (client id
// and topic) is queued once, with or without a sequence number.
func TestDeliveredOnceThroughSeveralTargets(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	s := te.open(t, newPooledSink(), "c", "t1", "t2")
	both := &Targets{Clients: []string{"c"}, Topics: []string{"t1", "t2"}}
	if n := te.Deliver(1, []byte("e1;"), both, nil); n != 1 {
		t.Fatalf("event 1 reached %d streams, want 1", n)
	}
	if n := te.Deliver(0, []byte("eph;"), both, nil); n != 1 {
		t.Fatalf("an ephemeral event reached %d streams, want 1", n)
	}
	if events, _ := s.Queued(); events != 2 {
		t.Fatalf("%d events queued, want 2", events)
	}
	if c := te.Counts(); c.Deliveries != 2 {
		t.Fatalf("Deliveries = %d, want 2", c.Deliveries)
	}
	s.Close(CloseClientGone)
	te.wantClosed(t, s, CloseClientGone)
}

// A queue that would exceed QueueBytes closes its stream at once (the
// publisher is not held), for overflow; an empty queue takes any event.
func TestOverflowClosesTheStream(t *testing.T) {
	te := newTestEngine(t, 10)
	s, sink := te.live(t, "c")
	big := "0123456789abcdef;"
	if n := te.deliver(1, big, "c"); n != 1 {
		t.Fatalf("an empty queue refused an event larger than QueueBytes")
	}
	if n := te.deliver(2, "e2;", "c"); n != 0 {
		t.Fatalf("an overflowing queue took the event")
	}
	te.wantClosed(t, s, CloseOverflow)
	await(t, sink.shut, "the overflowed stream's sink closing")
	if n := te.Registered(); n != 0 {
		t.Fatalf("%d streams registered after the overflow, want 0", n)
	}
	te.runPool() // the turn it was given before finds nothing to write
	wantWritten(t, sink.memSink, "", 0)
	if c := te.Counts(); c.Closed[CloseOverflow] != 1 || c.Open[ProtocolHTTP1] != 0 {
		t.Fatalf("Closed[overflow] = %d, Open = %d; want 1, 0", c.Closed[CloseOverflow], c.Open[ProtocolHTTP1])
	}
}

// A stream asked to finish while it replays writes what was queued
// meanwhile once it goes live, and then closes for the reason it was given.
func TestFinishWhileReplaying(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	sink := newPooledSink()
	s := te.open(t, sink, "c")
	te.deliver(1, "e1;", "c")
	s.Finish(CloseShutdown)
	te.wantOpen(t)
	if n := te.deliver(2, "e2;", "c"); n != 0 {
		t.Fatal("a finishing stream took a new event")
	}
	if !s.GoLive(0) {
		t.Fatal("GoLive = false with events left to write")
	}
	te.runPool()
	wantWritten(t, sink.memSink, "e1;", 1)
	te.wantClosed(t, s, CloseShutdown)

	idle := te.open(t, newPooledSink(), "d")
	idle.Finish(CloseLogSkip)
	if idle.GoLive(0) {
		t.Fatal("GoLive = true for a finishing stream with nothing queued")
	}
	te.wantClosed(t, idle, CloseLogSkip)
}

// Finishing a stream whose writer is on its way lets the writer write what
// is queued and close it; an idle one closes at once.
func TestFinishWaitsForTheWriter(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	s, sink := te.live(t, "c")
	te.deliver(1, "e1;", "c") // a writer is now due: the stream is in the pool's line
	s.Finish(CloseExpired)
	te.wantOpen(t)
	te.runPool()
	wantWritten(t, sink.memSink, "e1;", 1)
	te.wantClosed(t, s, CloseExpired)

	idle, _ := te.live(t, "d")
	idle.Finish(CloseExpired)
	te.wantClosed(t, idle, CloseExpired)
}

// The first reason decided is the one reported and counted, once: a
// stream finishing for shutdown whose client then hangs up ended for
// shutdown, and closing it again changes nothing.
func TestFirstReasonCounts(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	s, _ := te.live(t, "c")
	te.deliver(1, "e1;", "c")
	s.Finish(CloseShutdown)
	s.HangUp()
	s.Close(CloseWriteTimeout)
	te.wantClosed(t, s, CloseShutdown)
	te.wantOpen(t)
	te.runPool()
	c := te.Counts()
	if c.Closed[CloseShutdown] != 1 || c.Closed[CloseClientGone] != 0 || c.Closed[CloseWriteTimeout] != 0 {
		t.Fatalf("Closed = %v, want one shutdown only", c.Closed)
	}
}

// A stream closed before it was registered (its client hung up first) is
// never registered.
func TestRegisterRefusesAClosedStream(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	s := te.NewStream(Identity{Client: "c"}, newPooledSink(), ProtocolHTTP1)
	s.HangUp()
	if te.Register(s) {
		t.Fatal("Register took a closed stream")
	}
	if n := te.Registered(); n != 0 {
		t.Fatalf("%d streams registered, want 0", n)
	}
	te.wantClosed(t, s, CloseClientGone)
}

// A heartbeat goes only to an idle live stream. It names the delivered
// position when that is newer than the stream's, which then moves there:
// an older event arriving later is ignored.
func TestHeartbeat(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	replaying := te.open(t, newPooledSink(), "r")
	s, sink := te.live(t, "c")
	named := namedHeartbeat(5)
	s.enqueueHeartbeat(5, named, heartbeatFrame)
	replaying.enqueueHeartbeat(5, named, heartbeatFrame)
	if events, _ := replaying.Queued(); events != 0 {
		t.Fatal("a replaying stream was sent a heartbeat")
	}
	te.runPool()
	wantWritten(t, sink.memSink, ": ping\nid: 5\n\n", 1)
	if n := te.deliver(5, "e5;", "c"); n != 0 {
		t.Fatal("an event the named heartbeat covered was delivered")
	}
	s.enqueueHeartbeat(5, named, heartbeatFrame)
	te.deliver(6, "e6;", "c")
	s.enqueueHeartbeat(6, namedHeartbeat(6), heartbeatFrame) // the queue is not empty: none
	te.runPool()
	wantWritten(t, sink.memSink, ": ping\nid: 5\n\n: ping\ne6;", 2)
}

// The expiry sweep finishes the streams whose Identity.Expires has come,
// and only those.
func TestSweepFinishesExpiredStreams(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	now := time.Now()
	due := te.NewStream(Identity{Client: "due", Expires: now}, newPooledSink(), ProtocolHTTP2)
	later := te.NewStream(Identity{Client: "later", Expires: now.Add(time.Minute)}, newPooledSink(), ProtocolHTTP2)
	never := te.NewStream(Identity{Client: "never"}, newPooledSink(), ProtocolHTTP2)
	for _, s := range []*Stream{due, later, never} {
		te.Register(s)
		s.GoLive(0)
	}
	if got := te.sweep(now, nil); len(got) != 1 || got[0] != due {
		t.Fatalf("sweep finished %d streams, want the one due", len(got))
	}
	te.wantClosed(t, due, CloseExpired)
	te.wantOpen(t)
}
