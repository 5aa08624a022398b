package redis

import (
	"fmt"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/redistest"
)

// A Sentinel failover: kill -9 of the primary with every entry replicated.
// The Log's appends fail (ErrUnavailable) only until the sentinels promote
// a replica, then go to it without a restart; both nodes' feeds follow and
// deliver every entry once, in order, with no Skip (nothing was lost);
// Check goes red and back to green; the failover is counted.
func TestSentinelFailoverLogFollows(t *testing.T) {
	s := redistest.StartSentinel(t, 2, 3)
	a, recA, b, recB := twoLogs(t, sentinelOptions(s))

	var first, last uint64
	for i := range 10 {
		e := mustAppendLog(t, a, broadcastMsg(fmt.Sprint("before ", i)))
		if i == 0 {
			first = e.Seq
		}
		last = e.Seq
	}
	recB.waitSeq(t, last)
	s.WaitReplicated()

	old := s.Kill9Primary()
	killed := time.Now()
	red := waitCheck(t, a, false)
	t.Logf("Check red %v after the kill", red)
	e, refused := appendThrough(t, a, broadcastMsg("after 0"))
	primary := s.WaitFailover(old, failoverWait)
	t.Logf("primary %s -> %s; appends refused for %v after the kill", old, primary, refused)
	for i := 1; i < 10; i++ {
		e = mustAppendLog(t, b, broadcastMsg(fmt.Sprint("after ", i)))
	}
	recA.waitSeq(t, e.Seq)
	recB.waitSeq(t, e.Seq)
	for _, rec := range []*logRecorder{recA, recB} {
		rec.checkContinuity(t, first)
		if sk := rec.skipped(); len(sk) > 0 {
			t.Errorf("a feed skipped %v, but every entry was replicated before the kill", sk)
		}
		if n := len(rec.delivered()); n != 20 {
			t.Errorf("a feed delivered %d entries, want 20", n)
		}
	}
	t.Logf("Check green %v after the kill", time.Since(killed)+waitCheck(t, a, true))
	for _, l := range []*Log{a, b} {
		st := l.FailoverStats()
		if st.Failovers != 1 || st.PrimaryChanges != 1 || st.FeedErrors == 0 {
			t.Errorf("FailoverStats = %+v, want 1 failover, 1 primary change, feed errors", st)
		}
	}
}

// A Sentinel failover by hand (SENTINEL FAILOVER): the old primary keeps
// running and becomes a replica, so a feed that dials it again reads a
// server that answers but gets no new entries. The feeds follow to the new
// primary (after an error, or as a stalled feed) and deliver every entry
// once, in order, with no Skip. The test appends once the old primary is a
// replica: what it took before its conversion is lost (Redis discards it),
// which the feeds would turn into a Skip, as in the tests of lost entries.
func TestSentinelManualFailoverLogFollows(t *testing.T) {
	s := redistest.StartSentinel(t, 2, 3)
	a, recA, b, recB := twoLogs(t, sentinelOptions(s))
	first := mustAppendLog(t, a, broadcastMsg("before"))
	recB.waitSeq(t, first.Seq)
	s.WaitReplicated()

	start := time.Now()
	primary := s.Failover(failoverWait)
	e, refused := appendThrough(t, b, broadcastMsg("after 0"))
	for i := 1; i < 5; i++ {
		e, _ = appendThrough(t, b, broadcastMsg(fmt.Sprint("after ", i)))
	}
	for _, rec := range []*logRecorder{recA, recB} {
		// A feed that dialled the old primary before the sentinels
		// announced the new one reads a server that answers with nothing
		// new: it heals as a stalled feed, within healBound.
		rec.waitSeqWithin(t, e.Seq, healBound+waitFor)
		rec.checkContinuity(t, first.Seq)
		if sk := rec.skipped(); len(sk) > 0 {
			t.Errorf("a feed skipped %v in a failover that lost nothing", sk)
		}
	}
	t.Logf("to %s: appends refused for %v after the failover, delivered %v after it began", primary, refused, time.Since(start))
	for _, l := range []*Log{a, b} {
		st := l.FailoverStats()
		if st.PrimaryChanges != 1 {
			t.Errorf("FailoverStats = %+v, want 1 primary change", st)
		}
		t.Logf("FailoverStats %+v", st)
	}
}
