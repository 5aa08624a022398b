package redis

import (
	"fmt"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/redistest"
)

// appendEach appends n broadcasts through l, each retried while a failover
// is under way, and returns the last entry; it logs how long the first was
// refused.
func appendEach(t *testing.T, l *Log, n int, label string) *ssehub.Entry {
	t.Helper()
	var e *ssehub.Entry
	for i := range n {
		var refused time.Duration
		e, refused = appendThrough(t, l, broadcastMsg(fmt.Sprint(label, " ", i)))
		if i == 0 {
			t.Logf("%s: the first append was refused for %v", label, refused)
		}
	}
	return e
}

// The Log on a Redis Cluster: two nodes append and deliver; the master of
// the log's slot hands over to its replica (CLUSTER FAILOVER: nothing
// lost), then is killed; appends go to the new master each time, both
// feeds follow, and neither ever has a gap it was not told of (a kill -9
// may lose what the replica had not received: that is a Skip).
func TestRedisClusterLogFollowsSlotFailover(t *testing.T) {
	rc := redistest.StartCluster(t)
	a, recA, b, recB := twoLogs(t, Options{Cluster: rc.Addrs()})

	first := mustAppendLog(t, a, broadcastMsg("first"))
	e := appendEach(t, a, 9, "before")
	recB.waitSeq(t, e.Seq)

	old := rc.MasterOf(a.keys.stream)
	moved := rc.FailoverSlotOf(a.keys.stream)
	t.Logf("the log's slot moved from %s to %s", old, moved)
	e = appendEach(t, b, 10, "after handover")
	recA.waitSeq(t, e.Seq)
	recB.waitSeq(t, e.Seq)
	for _, rec := range []*logRecorder{recA, recB} {
		rec.checkContinuity(t, first.Seq)
		if sk := rec.skipped(); len(sk) > 0 {
			t.Errorf("a feed skipped %v after a clean handover", sk)
		}
		if n := len(rec.delivered()); n != 20 {
			t.Errorf("a feed delivered %d entries, want 20", n)
		}
	}
	for _, l := range []*Log{a, b} {
		if st := l.FailoverStats(); st.PrimaryChanges != 1 {
			t.Errorf("FailoverStats after the handover = %+v, want 1 primary change", st)
		}
	}

	killed := time.Now()
	rc.Kill9MasterOf(a.keys.stream)
	e, _ = appendThrough(t, a, broadcastMsg("after kill"))
	t.Logf("after kill -9 of the slot's master, the first append succeeded %v later", time.Since(killed))
	e = appendEach(t, a, 9, "after kill")
	recA.waitSeq(t, e.Seq)
	recB.waitSeq(t, e.Seq)
	for _, rec := range []*logRecorder{recA, recB} {
		rec.checkContinuity(t, first.Seq)
	}
	for _, l := range []*Log{a, b} {
		if st := l.FailoverStats(); st.PrimaryChanges != 2 || st.Failovers == 0 {
			t.Errorf("FailoverStats after the kill = %+v, want 2 primary changes, a failover", st)
		}
	}
}
