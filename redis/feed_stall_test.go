package redis

import (
	"strconv"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/redistest"
)

// healBound is how soon a stalled or broken feed must deliver again: the
// read's deadline (feedBlock+feedSlack) or the stall bound, a PING, then a
// new connection and one read.
const healBound = feedStall + feedBlock + feedSlack

// Redis stalls (DEBUG SLEEP) while the feed waits on a blocking read: the
// read gets no answer by its deadline, Redis then answers PING, so the feed
// counts a stall, re-establishes its connection, and delivers what another
// node appended, within the bound.
func TestFeedStalledByDebugSleepHeals(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	a, recA := env.open(t, prefix, ssehub.Retention{})
	b, _ := env.open(t, prefix, ssehub.Retention{})
	before := mustAppendLog(t, b, broadcastMsg("before"))
	recA.waitSeq(t, before.Seq)

	start := time.Now()
	if _, err := redistest.Do(env.srv.Addr(), "DEBUG", "SLEEP", "3.5"); err != nil {
		t.Fatalf("DEBUG SLEEP: %v", err)
	}
	e, _ := appendThrough(t, b, broadcastMsg("after"))
	waitHealed(t, recA, e.Seq, start)
	if st := a.FailoverStats(); st.FeedStalled != 1 || st.Failovers != 0 || st.PrimaryChanges != 0 {
		t.Errorf("FailoverStats = %+v, want one stall, no failover", st)
	}
	recA.checkContinuity(t, before.Seq)
}

// The feed's connection is killed (CLIENT KILL ID): the feed re-dials at
// once, counts a re-establishment after an error, and delivers.
func TestFeedConnectionKilledHeals(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	a, recA := env.open(t, prefix, ssehub.Retention{})
	b, _ := env.open(t, prefix, ssehub.Retention{})
	recA.waitSeq(t, mustAppendLog(t, b, broadcastMsg("before")).Seq)

	ref := a.feed.connRef.Load()
	if ref == nil {
		t.Fatal("the feed has no connection")
	}
	start := time.Now()
	if n, err := redistest.Do(env.srv.Addr(), "CLIENT", "KILL", "ID", strconv.FormatInt(ref.id, 10)); err != nil || n != int64(1) {
		t.Fatalf("CLIENT KILL ID %d = %v, %v; want 1", ref.id, n, err)
	}
	e := mustAppendLog(t, b, broadcastMsg("after"))
	waitHealed(t, recA, e.Seq, start)
	if st := a.FailoverStats(); st.FeedErrors != 1 || st.FeedStalled != 0 || st.PrimaryChanges != 0 {
		t.Errorf("FailoverStats = %+v, want one re-establishment after an error", st)
	}
	if now := a.feed.connRef.Load(); now == nil || now.id == ref.id {
		t.Errorf("the feed's connection after the kill: %+v, want a new one", now)
	}
}

// waitHealed waits until rec got seq, and fails t unless that was within
// healBound of start.
func waitHealed(t *testing.T, rec *logRecorder, seq uint64, start time.Time) {
	t.Helper()
	deadline := start.Add(healBound)
	for {
		if rec.has(seq) {
			t.Logf("delivered %v after the fault (bound %v)", time.Since(start), healBound)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("entry %d not delivered within %v of the fault; logs: %v", seq, healBound, rec.logged(0))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// has reports whether the listener got entry seq.
func (r *logRecorder) has(seq uint64) bool {
	_, ok := r.ticket(seq)
	return ok
}

// The stall rule itself, on a feed not running: entries held after the
// feed's position for feedStall with nothing read drop the connection (the
// next read dials again) and count a stall at the next connection; entries
// ahead for less, the head reached, or a head ahead with no entry held
// (all expired) do not.
func TestCheckStallRule(t *testing.T) {
	env := newLogEnv(t)
	l, _ := env.open(t, freshPrefix(), ssehub.Retention{})
	f := &feed{log: l, ctx: t.Context(), last: 10}
	conn := func() { f.conn = env.client.(*goredis.Client).Conn() }
	t.Cleanup(f.disconnect)

	conn()
	ahead, reached, expired := &logState{head: 11, length: 3}, &logState{head: 10, length: 3}, &logState{head: 11}
	f.moved = time.Now().Add(-feedStall / 2)
	if f.checkStall(ahead); f.conn == nil {
		t.Fatal("dropped after half the bound")
	}
	for _, st := range []*logState{reached, expired} {
		f.moved = time.Now().Add(-2 * feedStall)
		if f.checkStall(st); f.conn == nil || time.Since(f.moved) > time.Second {
			t.Fatalf("dropped, or not refreshed, with %+v", st)
		}
	}
	f.moved = time.Now().Add(-feedStall - time.Millisecond)
	if f.checkStall(ahead); f.conn != nil || f.redial != redialStalled {
		t.Fatalf("not dropped past the bound with the head ahead (redial %q)", f.redial)
	}
	if _, err := f.connect(); err != nil {
		t.Fatal(err)
	}
	if st := l.FailoverStats(); st.FeedStalled != 1 {
		t.Errorf("FailoverStats = %+v, want one stall counted", st)
	}
}
