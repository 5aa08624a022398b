package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/redistest"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/sse"
)

// Failover scenarios: three real ssehub nodes on a Redis that fails over
// (Sentinel, Redis Cluster) while a publisher publishes at a steady rate
// and readers hop between the nodes. See failover_helpers_test.go.

// Bounds of a scenario's phases.
const (
	haReaders     = 6                     // streams, two per node to begin with
	haEvery       = 20 * time.Millisecond // the publisher's rate: 50 events/s
	haBefore      = 40                    // events acknowledged before the fault
	haAfter       = 40                    // and after publishing resumed
	haPhaseWait   = 25 * time.Second      // the longest any phase may take
	haUnavailable = 2 * time.Second       // the unavailability allowed past the failover itself
)

// haRun is what a scenario observed.
type haRun struct {
	acked    []haEvent
	pub      *haPublisher
	streams  map[string][]sse.Event // reader → events
	hops     int                    // reconnections of the readers, in all
	red      map[int]int            // node → /readyz polls not ready
	failover time.Duration          // the fault's duration as the harness saw it (kill to new master serving)
}

// runHA runs a scenario on nodes: readers, a publisher and a /readyz
// watcher start; once haBefore events are acknowledged, fault runs (it
// returns once Redis has a new primary serving, and how long that took);
// once haAfter more are acknowledged and every node is ready again, the
// publisher stops, and the readers once they have every event.
func runHA(t *testing.T, nodes []*hubProcess, fault func() time.Duration) haRun {
	t.Helper()
	var readers []*haReader
	for i := range haReaders {
		r := startHAReader(fmt.Sprintf("r%d", i), nodes, i)
		readers = append(readers, r)
		t.Cleanup(func() {
			select {
			case <-r.stop:
			default:
				r.finish()
			}
		})
	}
	for _, r := range readers {
		select {
		case <-r.registered:
		case <-time.After(haPhaseWait):
			t.Fatalf("reader %s: no stream registered within %v", r.id, haPhaseWait)
		}
	}
	watch := watchReady(nodes)
	pub := startHAPublisher(nodes, haEvery)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			pub.finish()
			watch.finish()
		}
	})
	waitCount(t, pub, haBefore, "before the fault")
	failover := fault()
	waitCount(t, pub, pub.count()+haAfter, "after the fault")
	deadline := time.Now().Add(haPhaseWait)
	for i, node := range nodes {
		for !node.ready() {
			if time.Now().After(deadline) {
				t.Fatalf("node %d: /readyz not 200 within %v of the fault's end\n%s", i, haPhaseWait, tailLines(node.stderr.String(), 20))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	acked := pub.finish()
	red := watch.finish()
	stopped = true
	var head uint64
	for _, e := range acked {
		head = max(head, e.seq)
	}
	run := haRun{acked: acked, pub: pub, streams: map[string][]sse.Event{}, red: red, failover: failover}
	deadline = time.Now().Add(haPhaseWait)
	for _, r := range readers {
		for !r.reached(head) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if !r.reached(head) {
			t.Errorf("reader %s did not reach event %d within %v", r.id, head, haPhaseWait)
		}
		run.streams[r.id] = r.finish()
		run.hops += r.hops
	}
	return run
}

// waitCount waits until the publisher has n receipts.
func waitCount(t *testing.T, pub *haPublisher, n int, phase string) {
	t.Helper()
	deadline := time.Now().Add(haPhaseWait)
	for pub.count() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d events acknowledged within %v, want %d", phase, pub.count(), haPhaseWait, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// report logs the scenario's figures.
func (r haRun) report(t *testing.T, lost int) {
	t.Helper()
	t.Logf("%d events acknowledged, %d lost from the log; failover %v; publishing unavailable for %v at most (%d attempts refused, %d retries answered with the first receipt); %d stream reconnections; /readyz not ready in %v polls",
		len(r.acked), lost, r.failover.Round(time.Millisecond), r.pub.longest.Round(time.Millisecond), r.pub.refused, r.pub.repeated, r.hops, r.red)
}

// checkReadyzRed requires that every node reported not ready at some point
// (it cannot write during the failover), as well as ready at the end (runHA
// waited for that).
func (r haRun) checkReadyzRed(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		if r.red[i] == 0 {
			t.Errorf("node %d: /readyz never failed during the failover", i)
		}
	}
}

// startHANodes starts three nodes on the Redis that args name.
func startHANodes(t *testing.T, args ...string) []*hubProcess {
	t.Helper()
	nodes := make([]*hubProcess, 3)
	for i := range nodes {
		nodes[i] = startHub(t, append([]string{"-node", fmt.Sprintf("n%d", i)}, args...)...)
	}
	return nodes
}

func sentinelArgs(s *redistest.Sentinel) []string {
	return []string{"-redis-sentinel", strings.Join(s.SentinelAddrs(), ","), "-redis-master", s.MasterName}
}

// kill9Failover kills the Sentinel's primary and returns how long the
// sentinels took to have a new one serving.
func kill9Failover(t *testing.T, s *redistest.Sentinel) time.Duration {
	old := s.Kill9Primary()
	start := time.Now()
	s.WaitFailover(old, haPhaseWait)
	return time.Since(start)
}

// With -redis-replicas 1, a kill -9 of the primary loses no acknowledged
// event: every stream gets every one of them exactly once, in order, and no
// reset; publishing is unavailable for at most the failover plus 2 s; the
// nodes' /readyz fails meanwhile and recovers by itself.
func TestFailoverSentinelReplicas(t *testing.T) {
	s := redistest.StartSentinel(t, 2, 3)
	nodes := startHANodes(t, append(sentinelArgs(s), "-redis-replicas", "1")...)
	run := runHA(t, nodes, func() time.Duration { return kill9Failover(t, s) })
	lost := lostFromLog(t, s.Primary(), run.acked)
	run.report(t, len(lost))
	if len(lost) > 0 {
		t.Errorf("%d acknowledged events lost from the log, such as %v", len(lost), lost[0])
	}
	for id, evs := range run.streams {
		checkExactlyOnce(t, id, evs, run.acked)
	}
	if run.pub.longest > run.failover+haUnavailable {
		t.Errorf("publishing was unavailable for %v, want at most the failover (%v) plus %v", run.pub.longest, run.failover, haUnavailable)
	}
	run.checkReadyzRed(t, len(nodes))
}

// detachReplicas stops the Sentinel's replicas from replicating (they
// follow a server that does not exist) for 300 ms, while the primary goes
// on taking appends; then the primary dies: what it took meanwhile exists
// nowhere else. (Dropping the replicas' links is not enough: they
// reconnect at once.)
func detachReplicas(t *testing.T, s *redistest.Sentinel) {
	for _, r := range s.Replicas() {
		if _, err := redistest.Do(r, "REPLICAOF", "127.0.0.1", "1"); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond)
}

// With -redis-replicas 1, the same fault as TestFailoverSentinelNoReplicas
// (the replicas lag, then the primary dies) loses no acknowledged event:
// the publishes the replicas did not confirm were refused (503), and the
// publisher's retries published them after the failover. Every stream gets
// every acknowledged event exactly once, in order, and no reset: the feeds
// delivered nothing the replicas did not hold, so nothing a stream got was
// lost (and published again by a retry, under another id).
func TestFailoverSentinelReplicasLagging(t *testing.T) {
	s := redistest.StartSentinel(t, 2, 3)
	nodes := startHANodes(t, append(sentinelArgs(s), "-redis-replicas", "1")...)
	run := runHA(t, nodes, func() time.Duration {
		detachReplicas(t, s)
		took := kill9Failover(t, s)
		// The sentinels fix the configuration of the replica the test
		// pointed elsewhere only after 10 s or so; do it for them, as
		// they do for a replica that followed the dead primary.
		host, port, _ := strings.Cut(s.Primary(), ":")
		for _, r := range s.Replicas() {
			if _, err := redistest.Do(r, "REPLICAOF", host, port); err != nil {
				t.Fatal(err)
			}
		}
		return took
	})
	lost := lostFromLog(t, s.Primary(), run.acked)
	run.report(t, len(lost))
	if len(lost) > 0 {
		t.Errorf("%d acknowledged events lost from the log, such as %v", len(lost), lost[0])
	}
	for id, evs := range run.streams {
		checkExactlyOnce(t, id, evs, run.acked)
	}
	if run.pub.longest > run.failover+haUnavailable+300*time.Millisecond {
		t.Errorf("publishing was unavailable for %v, want at most the replicas' lag (300ms), the failover (%v) and %v", run.pub.longest, run.failover, haUnavailable)
	}
	run.checkReadyzRed(t, len(nodes))
}

// Without -redis-replicas, a kill -9 of the primary while its replicas lag
// loses the events acknowledged meanwhile: every stream that misses one
// gets a reset event first, never a silent gap.
func TestFailoverSentinelNoReplicas(t *testing.T) {
	s := redistest.StartSentinel(t, 2, 3)
	nodes := startHANodes(t, sentinelArgs(s)...)
	var away *ssetest.Stream // a client away during the failover
	var awayEvs []sse.Event
	run := runHA(t, nodes, func() time.Duration {
		away = nodes[0].open(t, "id=away", "")
		awayEvs = append(awayEvs, away.Next(t))
		away.Close()
		detachReplicas(t, s)
		return kill9Failover(t, s)
	})
	lost := lostFromLog(t, s.Primary(), run.acked)
	run.report(t, len(lost))
	// The client away comes back to another node with its last event id.
	last := awayEvs[0].ID
	again := nodes[1].open(t, "id=away", last)
	awayEvs = append(awayEvs, collectUntil(t, again, run.acked[len(run.acked)-1].seq)...)
	var since []haEvent // the acknowledged events after its last one
	for _, e := range run.acked {
		if e.seq > mustSeq(t, last) {
			since = append(since, e)
		}
	}
	run.streams["away"] = awayEvs[1:]
	for id, evs := range run.streams {
		acked := run.acked
		if id == "away" {
			acked = since
		}
		missing := checkNoSilentGap(t, id, evs, acked)
		resets := 0
		for _, ev := range evs {
			if ev.Type == "reset" {
				resets++
			}
		}
		t.Logf("%s: %d acknowledged events missing, %d reset events", id, missing, resets)
	}
	if len(lost) == 0 {
		t.Errorf("no acknowledged event was lost: the scenario did not test what it is for")
	}
	if t.Failed() {
		for i, n := range nodes {
			t.Logf("node %d:\n%s", i, tailLines(n.stderr.String(), 12))
		}
	}
	run.checkReadyzRed(t, len(nodes))
}

// logKey is a key of the log under the default prefix: its slot is the
// log's on a Redis Cluster.
const logKey = "ssehub:{log}:stream"

// On a Redis Cluster of three masters with a replica each, with
// -redis-replicas 1, a failover of the master of the log's slot during
// publishing loses nothing, and every stream gets every event once, in
// order, without a reset. (CLUSTER FAILOVER: the old master becomes the
// new one's replica, so that one replica can still confirm; after a kill
// -9 the slot's new master has no replica until the old one returns, and
// with -redis-replicas 1 publishing waits for that.)
func TestFailoverClusterReplicas(t *testing.T) {
	c := redistest.StartCluster(t)
	nodes := startHANodes(t, "-redis-cluster", strings.Join(c.Addrs(), ","), "-redis-replicas", "1")
	run := runHA(t, nodes, func() time.Duration {
		start := time.Now()
		c.FailoverSlotOf(logKey)
		return time.Since(start)
	})
	lost := lostFromLog(t, c.MasterOf(logKey), run.acked)
	run.report(t, len(lost))
	if len(lost) > 0 {
		t.Errorf("%d acknowledged events lost from the log, such as %v", len(lost), lost[0])
	}
	for id, evs := range run.streams {
		checkExactlyOnce(t, id, evs, run.acked)
	}
	if run.pub.longest > run.failover+haUnavailable {
		t.Errorf("publishing was unavailable for %v, want at most the failover (%v) plus %v", run.pub.longest, run.failover, haUnavailable)
	}
}

// collectUntil reads s until an event numbered seq or above, or a reset
// that ends it, and returns what it read.
func collectUntil(t *testing.T, s *ssetest.Stream, seq uint64) []sse.Event {
	t.Helper()
	var evs []sse.Event
	for {
		select {
		case ev, ok := <-s.Events:
			if !ok {
				return evs
			}
			evs = append(evs, ev)
			if n, err := strconv.ParseUint(ev.ID, 10, 64); err == nil && n >= seq { // a reset carries the head
				return evs
			}
		case <-time.After(ssetest.Wait):
			t.Fatalf("no event %d within %v; got %s", seq, ssetest.Wait, fmtEvents(evs))
		}
	}
}

// tailLines returns the last n lines of s.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
