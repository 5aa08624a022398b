package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

// Two Log values on one Redis are two nodes: each delivers every entry, the
// other's too, in the same order; only the appending node gets the ticket
// its append was given.
func TestNodesDeliverTheSameEntriesInOrder(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	a, recA := env.open(t, prefix, ssehub.Retention{})
	b, recB := env.open(t, prefix, ssehub.Retention{})

	e, err := a.Append(context.Background(), broadcastMsg("from a"), 41)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	recB.waitSeq(t, e.Seq)
	if got, ok := recA.ticket(e.Seq); got != 41 || !ok {
		t.Errorf("A's listener got ticket %d (delivered: %v) for A's own append, want 41", got, ok)
	}
	if got, ok := recB.ticket(e.Seq); got != 0 || !ok {
		t.Errorf("B's listener got ticket %d (delivered: %v) for A's append, want 0", got, ok)
	}

	// Both nodes append at once, singly and in batches.
	var wg sync.WaitGroup
	var last [2]uint64
	for i, l := range []*Log{a, b} {
		wg.Go(func() {
			for j := range 30 {
				es, err := l.AppendBatch(context.Background(), []*ssehub.Message{
					broadcastMsg(fmt.Sprintf("%d-%d", i, j)), broadcastMsg(fmt.Sprintf("%d-%d'", i, j)),
				}, nil)
				if err != nil {
					t.Errorf("node %d: AppendBatch: %v", i, err)
					return
				}
				last[i] = max(last[i], es[1].Seq)
			}
		})
	}
	wg.Wait()
	end := max(last[0], last[1])
	recA.waitSeq(t, end)
	recB.waitSeq(t, end)
	gotA, gotB := recA.delivered(), recB.delivered()
	if !slices.Equal(seqsOf(gotA), seqsOf(gotB)) {
		t.Fatalf("A delivered %v,\nB delivered %v", seqsOf(gotA), seqsOf(gotB))
	}
	for i := range gotA {
		if string(gotA[i].Data) != string(gotB[i].Data) {
			t.Fatalf("entry %d: A delivered %q, B %q", gotA[i].Seq, gotA[i].Data, gotB[i].Data)
		}
	}
	recA.checkContinuity(t, e.Seq)
	recB.checkContinuity(t, e.Seq)
	if s := append(recA.skipped(), recB.skipped()...); len(s) > 0 {
		t.Errorf("Skip called (%v) with nothing lost", s)
	}

	// What A appended, B reads.
	read, head, err := readAll(b, e.Seq-1, nil)
	if err != nil || head != end {
		t.Fatalf("B's ReadAfter: head %d, %v; want %d, nil", head, err, end)
	}
	if !slices.Equal(seqsOf(read), seqsOf(gotA)) {
		t.Errorf("B read %v, want %v", seqsOf(read), seqsOf(gotA))
	}
}

// A node whose feed falls behind the retention of the others is told, by
// Skip, that it missed entries: never a silent gap.
func TestFeedSkipsEntriesTrimmedBeforeItReadThem(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	r := ssehub.Retention{MaxEntries: 5}
	a, _ := env.open(t, prefix, r)
	_, recB := env.open(t, prefix, r)
	blocked, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hook := func(*ssehub.Entry) { once.Do(func() { close(blocked); <-release }) }
	recB.hook.Store(&hook)

	first := mustAppendLog(t, a, broadcastMsg("first"))
	select { // B's feed is stuck delivering first
	case <-blocked:
	case <-time.After(waitFor):
		close(release)
		t.Fatalf("B's listener was not given entry %d within %v", first.Seq, waitFor)
	}
	var es []*ssehub.Entry
	for i := range 20 {
		es = append(es, mustAppendLog(t, a, broadcastMsg(fmt.Sprint(i))))
	}
	close(release)
	recB.waitSeq(t, es[19].Seq)
	recB.checkContinuity(t, first.Seq)
	skips := recB.skipped()
	if len(skips) != 1 || skips[0] < first.Seq || skips[0] >= es[15].Seq {
		t.Errorf("B skipped %v, want one Skip through an entry trimmed before B read it (%d..%d)", skips, first.Seq+1, es[14].Seq)
	}
	if got := seqsOf(recB.delivered()); !slices.Contains(got, es[19].Seq) || !slices.Contains(got, es[15].Seq) {
		t.Errorf("B delivered %v, want the five retained entries among them", got)
	}
}

// Redis restarted empty: the log numbers afresh from above every id issued
// before, ids of the old numbering are unknown, and each feed says it lost
// continuity before delivering the new entries.
func TestRedisRestartedEmpty(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	a, recA := env.open(t, prefix, ssehub.Retention{})
	b, recB := env.open(t, prefix, ssehub.Retention{})
	old := mustAppendLog(t, a, broadcastMsg("before"))
	recB.waitSeq(t, old.Seq)

	env.srv.Reset()
	var e *ssehub.Entry
	eventually(t, "an Append succeeds after Redis restarted", func() bool {
		var err error
		e, err = b.Append(context.Background(), broadcastMsg("after"), 0)
		return err == nil
	})
	if e.Seq <= old.Seq {
		t.Fatalf("after the restart an entry got seq %d, not above the old %d", e.Seq, old.Seq)
	}
	for name, rec := range map[string]*logRecorder{"A": recA, "B": recB} {
		rec.waitSeq(t, e.Seq)
		rec.checkContinuity(t, old.Seq)
		skips := rec.skipped()
		if len(skips) != 1 || skips[0] < old.Seq || skips[0] >= e.Seq {
			t.Errorf("%s skipped %v, want one Skip between %d and %d", name, skips, old.Seq, e.Seq)
		}
		if got := rec.delivered(); got[len(got)-1].Seq != e.Seq || string(got[len(got)-1].Data) != "after" {
			t.Errorf("%s did not deliver the new entry last", name)
		}
	}
	if _, head, err := readAll(a, old.Seq, nil); !errors.Is(err, ssehub.ErrUnknownPosition) || head != e.Seq {
		t.Errorf("ReadAfter(an id from before the restart) = head %d, %v; want %d, ErrUnknownPosition", head, err, e.Seq)
	}
	if got, _, err := readAll(a, e.Seq-1, nil); err != nil || len(got) != 1 {
		t.Errorf("ReadAfter(the new base) read %d entries, %v; want the new one", len(got), err)
	}
}

// Redis went back in time (an older snapshot, a lagging replica; simulated
// here by deleting the newest entries and lowering the head): the feeds
// skip, and the head is raised so that no id is issued twice.
func TestRedisWentBackInTime(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	a, recA := env.open(t, prefix, ssehub.Retention{})
	b, recB := env.open(t, prefix, ssehub.Retention{})
	es := []*ssehub.Entry{mustAppendLog(t, a, broadcastMsg("kept"))}
	for range 2 {
		es = append(es, mustAppendLog(t, a, broadcastMsg("lost")))
	}
	recB.waitSeq(t, es[2].Seq)

	ctx, keys := context.Background(), newLogKeys(prefix)
	if err := env.client.XDel(ctx, keys.stream, streamID(es[1].Seq), streamID(es[2].Seq)).Err(); err != nil {
		t.Fatal(err)
	}
	if err := env.client.HSet(ctx, keys.meta, "head", es[0].Seq).Err(); err != nil {
		t.Fatal(err)
	}
	for name, rec := range map[string]*logRecorder{"A": recA, "B": recB} {
		eventually(t, name+" skips", func() bool { return len(rec.skipped()) > 0 })
		if s := rec.skipped(); len(s) != 1 || s[0] != es[2].Seq {
			t.Errorf("%s skipped %v, want [%d] (the newest entry it delivered)", name, s, es[2].Seq)
		}
	}
	e := mustAppendLog(t, b, broadcastMsg("after"))
	if e.Seq <= es[2].Seq {
		t.Errorf("after the head went back an entry got seq %d, reissuing an id up to %d", e.Seq, es[2].Seq)
	}
	recA.waitSeq(t, e.Seq)
	recA.checkContinuity(t, es[0].Seq)
}

// The same, with an append right after Redis went back, before any feed
// has looked (a publisher retrying through a failover is that fast): the
// append itself numbers above what its node delivered, so no id is issued
// twice, and both feeds skip the lost numbering, then deliver the entry.
func TestAppendRightAfterRedisWentBack(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	a, recA := env.open(t, prefix, ssehub.Retention{})
	b, recB := env.open(t, prefix, ssehub.Retention{})
	kept := mustAppendLog(t, a, broadcastMsg("kept"))
	lost := mustAppendLog(t, a, broadcastMsg("lost"))
	recB.waitSeq(t, lost.Seq)

	ctx, keys := context.Background(), newLogKeys(prefix)
	if err := env.client.XDel(ctx, keys.stream, streamID(lost.Seq)).Err(); err != nil {
		t.Fatal(err)
	}
	if err := env.client.HSet(ctx, keys.meta, "head", kept.Seq).Err(); err != nil {
		t.Fatal(err)
	}
	e := mustAppendLog(t, b, broadcastMsg("at once"))
	if e.Seq <= lost.Seq {
		t.Fatalf("an append right after the head went back got seq %d, reissuing an id up to %d", e.Seq, lost.Seq)
	}
	for _, rec := range []*logRecorder{recA, recB} {
		rec.waitSeq(t, e.Seq)
		rec.checkContinuity(t, kept.Seq)
		if !rec.has(e.Seq) {
			t.Errorf("a feed did not deliver entry %d: %v", e.Seq, rec.events)
		}
	}
	checkResumeAfterLoss(t, a, kept.Seq, lost.Seq, e.Seq)
}

// checkResumeAfterLoss checks ReadAfter on l after Redis lost the entries
// after kept up to lost: a stream positioned before the loss gets
// ErrNotRetained (a reset, never a silent gap), with a subscription as
// without; one that had lost resumes with next.
func checkResumeAfterLoss(t *testing.T, l *Log, kept, lost, next uint64) {
	t.Helper()
	alice := &ssehub.Subscription{Client: "alice"}
	for _, sub := range []*ssehub.Subscription{nil, alice} {
		if _, _, err := readAll(l, kept, sub); !errors.Is(err, ssehub.ErrNotRetained) {
			t.Errorf("ReadAfter(%d, %v), before the lost entries: %v, want ErrNotRetained", kept, sub, err)
		}
	}
	if got, _, err := readAll(l, lost, nil); err != nil || len(got) == 0 || got[0].Seq != next {
		t.Errorf("ReadAfter(%d), the newest lost entry: %v, %v; want entries from %d", lost, seqsOf(got), err, next)
	}
}

// Idempotency keys live in Redis: a retry through another node appends
// nothing, and concurrent calls through several nodes append once.
func TestAppendOnceAcrossNodes(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	a, _ := env.open(t, prefix, ssehub.Retention{})
	b, recB := env.open(t, prefix, ssehub.Retention{})
	ctx := context.Background()
	msgs := []*ssehub.Message{broadcastMsg("x"), nil, broadcastMsg("y")}
	es, _, err := a.AppendOnce(ctx, "k", [32]byte{1}, msgs, nil)
	if err != nil || len(es) != 2 {
		t.Fatalf("AppendOnce on A: %d entries, %v", len(es), err)
	}
	recB.waitSeq(t, es[1].Seq)
	again, earlier, err := b.AppendOnce(ctx, "k", [32]byte{1}, msgs, nil)
	if err != nil || len(again) != 0 || !slices.Equal(earlier, []uint64{es[0].Seq, 0, es[1].Seq}) {
		t.Errorf("the retry on B: %d entries, earlier %v, %v; want none and [%d 0 %d]", len(again), earlier, err, es[0].Seq, es[1].Seq)
	}
	if _, _, err := b.AppendOnce(ctx, "k", [32]byte{2}, msgs, nil); !errors.Is(err, ssehub.ErrKeyReused) {
		t.Errorf("the key with another digest on B: %v, want ErrKeyReused", err)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	appended := 0
	for i := range 8 {
		l := []*Log{a, b}[i%2]
		wg.Go(func() {
			es, _, err := l.AppendOnce(ctx, "same", [32]byte{3}, []*ssehub.Message{broadcastMsg("once")}, nil)
			if err != nil {
				t.Errorf("AppendOnce: %v", err)
			}
			mu.Lock()
			appended += len(es)
			mu.Unlock()
		})
	}
	wg.Wait()
	if appended != 1 {
		t.Errorf("8 concurrent AppendOnce calls on two nodes appended %d entries, want 1", appended)
	}
}

// A key of the log that holds something else is a fault, not an outage:
// the error must not ask the publisher to retry.
func TestWrongTypeIsNotUnavailable(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	l, _ := env.open(t, prefix, ssehub.Retention{})
	if err := env.client.Set(context.Background(), newLogKeys(prefix).stream, "not a stream", 0).Err(); err != nil {
		t.Fatal(err)
	}
	_, err := l.Append(context.Background(), broadcastMsg("x"), 0)
	if err == nil || errors.Is(err, ssehub.ErrUnavailable) {
		t.Errorf("Append to a stream key holding a string: %v, want an error that is not ErrUnavailable", err)
	}
}
