package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/redistest"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// A Sentinel failover that loses acknowledged entries: the replicas had not
// received the last ones when the primary was killed, so the promoted
// replica's head is below what the feeds delivered. No id is issued twice
// (the next append is numbered above what its node delivered, even if it
// reaches the new primary before any feed looked), both feeds Skip through
// the lost entries rather than leave a silent gap, and go on delivering.
func TestSentinelFailoverThatLostEntriesSkips(t *testing.T) {
	s := redistest.StartSentinel(t, 2, 3)
	a, recA, b, recB := twoLogs(t, sentinelOptions(s))

	first := mustAppendLog(t, a, broadcastMsg("kept"))
	s.WaitReplicated()
	s.PauseReplicas(4 * time.Second)
	var lost *ssehub.Entry
	for i := range 5 {
		lost = mustAppendLog(t, a, broadcastMsg(fmt.Sprint("lost ", i)))
	}
	recA.waitSeq(t, lost.Seq)
	recB.waitSeq(t, lost.Seq)
	old := s.Kill9Primary()

	after, refused := appendThrough(t, a, broadcastMsg("after"))
	primary := s.WaitFailover(old, failoverWait)
	t.Logf("primary %s -> %s; appends refused for %v", old, primary, refused)
	if r, err := redistest.Do(primary, "XRANGE", a.keys.stream, streamID(lost.Seq), streamID(lost.Seq)); err != nil || len(r.([]any)) != 0 {
		t.Fatalf("the new primary has entry %d (%v, %v): the failover lost nothing, the test proves nothing", lost.Seq, r, err)
	}
	if after.Seq <= lost.Seq {
		t.Fatalf("the first append after the failover got seq %d, at or below %d which the feeds delivered: an id issued twice", after.Seq, lost.Seq)
	}
	e := appendEach(t, b, 5, "later")
	for _, rec := range []*logRecorder{recA, recB} {
		rec.waitSeq(t, e.Seq)
		rec.checkContinuity(t, first.Seq)
		if !rec.has(after.Seq) || !rec.has(e.Seq) {
			t.Errorf("a feed missed entries appended after the failover: %v", rec.events)
		}
		if sk := rec.skipped(); len(sk) == 0 || sk[0] < lost.Seq {
			t.Errorf("a feed skipped %v, want a Skip through at least %d (the lost entries' numbering)", sk, lost.Seq)
		}
	}
	checkResumeAfterLoss(t, b, first.Seq, lost.Seq, after.Seq)
}

// The same seen by a client, through two hubs: alice's stream on B got an
// event that the failover then lost. Her stream ends (the log lost
// continuity); resuming from before that event she gets a reset, never a
// silent gap; resuming from it, the next event.
func TestSentinelFailoverThatLostEntriesResetsStreams(t *testing.T) {
	s := redistest.StartSentinel(t, 2, 3)
	o := sentinelOptions(s)
	prefix := freshPrefix()
	a := (&logEnv{client: openClient(t, o)}).startHub(t, prefix)
	b := (&logEnv{client: openClient(t, o)}).startHub(t, prefix)
	toAlice := func(data string) ssehub.Message {
		return ssehub.Message{Clients: []string{"alice"}, Data: []byte(data)}
	}

	stream := ssetest.OpenRegistered(t, b.client, b.url+"/?id=alice", nil)
	kept := publishTo(t, a.hub, toAlice("kept"))
	stream.Expect(t, "kept")
	s.WaitReplicated()
	s.PauseReplicas(4 * time.Second)
	lost := publishTo(t, a.hub, toAlice("lost"))
	stream.Expect(t, "lost")
	s.Kill9Primary()

	var after ssehub.Receipt
	deadline := time.Now().Add(failoverWait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		r, err := a.hub.Publish(ctx, toAlice("after"))
		cancel()
		if err == nil {
			after = r
			break
		}
		if !errors.Is(err, ssehub.ErrUnavailable) || time.Now().After(deadline) {
			t.Fatalf("Publish after the kill: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if rest, err := stream.Ended(t); err != io.EOF || len(rest) > 0 {
		t.Errorf("alice's stream after the loss: events %v, end %v; want it ended cleanly, nothing more", rest, err)
	}
	fromKept := ssetest.OpenRegistered(t, b.client, b.url+"/?id=alice", http.Header{"Last-Event-ID": {kept.ID}})
	if ev := fromKept.Next(t); ev.Type != ssehub.ResetEventType {
		t.Errorf("alice resuming from %s, before the lost event: got %+v, want a reset", kept.ID, ev)
	}
	fromLost := ssetest.OpenRegistered(t, b.client, b.url+"/?id=alice", http.Header{"Last-Event-ID": {lost.ID}})
	if ev := fromLost.Next(t); ev.Data != "after" || ev.ID != after.ID {
		t.Errorf("alice resuming from %s, the lost event: got %+v, want %q with id %s", lost.ID, ev, "after", after.ID)
	}
}
