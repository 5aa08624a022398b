package main

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/ssehub/ssehub/sse"
)

// checkBench is a bench with streams whose deliveries a test feeds by hand:
// n events, all published with a 200 answer, event seq with hub id 100+seq.
func checkBench(cfg Config, conns, n int) (*bench, *pubStats) {
	b := &bench{cfg: cfg, trackSeen: n}
	for i := range conns {
		b.streams = append(b.streams, &stream{idx: i, client: i % cfg.Clients, opened: true, seen: make([]uint64, (n+63)/64)})
	}
	st := &pubStats{}
	st.ids = make([]atomic.Uint64, n)
	for seq := range st.ids {
		st.ids[seq].Store(100 + uint64(seq))
	}
	return b, st
}

// deliver feeds event seq to s as the hub would send it.
func deliver(b *bench, s *stream, seq uint64) {
	b.onEvent(s, sse.Event{ID: fmt.Sprint(100 + seq), Type: "message", Data: string(appendPayload(nil, seq, 1, 0))})
}

func TestChecksTargetedExpectation(t *testing.T) {
	cfg := Config{To: toTargeted, Clients: 3, Seed: 7}
	b, st := checkBench(cfg, 6, 200)
	to := cfg.eventTarget()
	owed := make([]uint64, 3)
	for seq := range uint64(200) {
		c := to(seq)
		owed[c]++
		for _, s := range b.streams {
			if s.client == c {
				deliver(b, s, seq)
			}
		}
	}
	// One misdelivery: stream 0 gets an event of another client.
	for seq := range uint64(200) {
		if to(seq) != 0 {
			deliver(b, b.streams[0], seq)
			break
		}
	}
	checks := b.checkStreams(st)
	for i, c := range checks {
		if c.expected != owed[c.s.client] || c.received != c.expected || c.missing() != 0 {
			t.Errorf("stream %d: %d of %d received, want %d owed", i, c.received, c.expected, owed[c.s.client])
		}
	}
	sum := b.summarize(checks)
	if sum.Expected != 2*200 || sum.Misdelivered != 1 || sum.StreamsMisdelivered != 1 || sum.Problem() == "" {
		t.Errorf("summary %+v, problem %q", sum, sum.Problem())
	}
}

func TestChecksAnnouncedAndSilent(t *testing.T) {
	b, st := checkBench(Config{To: toBroadcast, Clients: 1}, 1, 30)
	s := b.streams[0]
	for seq := range uint64(10) {
		deliver(b, s, seq)
	}
	// Resumed after id 109 (seq 9): the hub says everything up to 115 is gone.
	b.onEvent(s, sse.Event{ID: "115", Type: "reset", Data: `{"reason":"expired","lastEventId":"109"}`})
	for seq := uint64(16); seq < 30; seq++ {
		if seq != 20 {
			deliver(b, s, seq)
		}
	}
	// Publishing failed for seq 25: not owed, though received.
	st.ids[25].Store(0)
	c := b.checkStreams(st)[0]
	if c.expected != 29 || c.received != 22 || c.announced != 6 || c.silent != 1 || c.firstSilent != 20 {
		t.Fatalf("check %+v", c)
	}
	if s.outOfOrder != 0 || s.dups != 0 || s.resets != 1 {
		t.Errorf("out of order %d, dups %d, resets %d", s.outOfOrder, s.dups, s.resets)
	}
	// An event the reset said was lost, delivered after it, is out of order.
	deliver(b, s, 12)
	if s.outOfOrder != 1 {
		t.Errorf("out of order %d after a late event", s.outOfOrder)
	}
}

func TestChecksUnknownResetAnnouncesAll(t *testing.T) {
	b, st := checkBench(Config{To: toBroadcast, Clients: 1}, 1, 10)
	s := b.streams[0]
	b.onEvent(s, sse.Event{ID: "104", Type: "reset", Data: `{"reason":"unknown","lastEventId":"bogus"}`})
	for seq := uint64(5); seq < 10; seq++ {
		deliver(b, s, seq)
	}
	if c := b.checkStreams(st)[0]; c.announced != 5 || c.silent != 0 {
		t.Fatalf("check %+v", c)
	}
}

func TestChecksDuplicatesAndOrder(t *testing.T) {
	b, st := checkBench(Config{To: toBroadcast, Clients: 1}, 1, 10)
	s := b.streams[0]
	for _, seq := range []uint64{0, 1, 2, 1, 4, 3, 5} {
		deliver(b, s, seq)
	}
	// Concurrent publishes may be logged out of seq order: seq 7 logged
	// (id 108) before seq 6 (id 109) is in the hub's order.
	st.ids[6].Store(109)
	st.ids[7].Store(108)
	b.onEvent(s, sse.Event{ID: "108", Type: "message", Data: string(appendPayload(nil, 7, 1, 0))})
	b.onEvent(s, sse.Event{ID: "109", Type: "message", Data: string(appendPayload(nil, 6, 1, 0))})
	if s.dups != 1 || s.outOfOrder != 1 {
		t.Fatalf("dups %d (want 1: seq 1 again), out of order %d (want 1: seq 3 after 4)", s.dups, s.outOfOrder)
	}
	sum := b.summarize(b.checkStreams(st))
	if sum.Missing != 2 || sum.SilentMissing != 2 || sum.Duplicates != 1 || sum.OutOfOrder != 1 || len(sum.Problems) != 1 {
		t.Fatalf("summary %+v", sum)
	}
}
