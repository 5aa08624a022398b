package redis

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/ssehub/ssehub"
)

// idMsg is a message to topic "t" with EventID id.
func idMsg(id string) *ssehub.Message {
	return &ssehub.Message{Topics: []string{"t"}, Data: []byte("data of " + id), EventID: id}
}

// wantSeqOf checks what l.SeqOf(id) finds.
func wantSeqOf(t testing.TB, l *Log, id string, seq uint64, found bool) {
	t.Helper()
	got, ok, err := l.SeqOf(context.Background(), id)
	if err != nil || got != seq || ok != found {
		t.Errorf("SeqOf(%q) = %d, %v, %v; want %d, %v, nil", id, got, ok, err, seq, found)
	}
}

// indexLen returns how many event ids the index of the log under prefix
// holds.
func (e *logEnv) indexLen(t testing.TB, prefix string) int64 {
	t.Helper()
	n, err := e.client.HLen(context.Background(), newLogKeys(prefix).ids).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The index finds every retained entry by its event id, the newest when an
// id was used twice; the trim that drops an entry drops its id, but not an
// id a newer entry took over; another node finds what one appended; and a
// Log opened afresh (a restarted node) finds it too.
func TestSeqOf(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	r := ssehub.Retention{MaxEntries: 3}
	a, _ := env.open(t, prefix, r)
	b, _ := env.open(t, prefix, r)
	ea := mustAppendLog(t, a, idMsg("a"))
	eb := mustAppendLog(t, b, idMsg("b"))
	mustAppendLog(t, a, broadcastMsg("no id"))
	ea2 := mustAppendLog(t, b, idMsg("a")) // takes "a" over; entry a is trimmed
	for _, l := range []*Log{a, b} {
		wantSeqOf(t, l, "a", ea2.Seq, true)
		wantSeqOf(t, l, "b", eb.Seq, true)
		wantSeqOf(t, l, "never", 0, false)
		wantSeqOf(t, l, "", 0, false)
		wantSeqOf(t, l, fmt.Sprint(ea.Seq), 0, false) // a seq is not an event id
	}
	mustAppendLog(t, a, broadcastMsg("trims b"))
	wantSeqOf(t, b, "b", 0, false)
	if n := env.indexLen(t, prefix); n != 1 {
		t.Errorf("index holds %d ids, want 1 (only a's newest entry is retained)", n)
	}

	c, _ := env.open(t, prefix, r)
	wantSeqOf(t, c, "a", ea2.Seq, true)
	for i := range 3 {
		mustAppendLog(t, c, broadcastMsg(fmt.Sprint("trims ", i)))
	}
	wantSeqOf(t, a, "a", 0, false)
	if n := env.indexLen(t, prefix); n != 0 {
		t.Errorf("index holds %d ids after every entry with one was trimmed, want 0", n)
	}
}

// EventID, Private and Retry come back from the feed (on every node) and
// from Redis; a batch and merged appends index every id they append.
func TestMercureFieldsStored(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	a, recA := env.openTuned(t, prefix, ssehub.Retention{}, noCache)
	_, recB := env.open(t, prefix, ssehub.Retention{})
	want := []ssehub.Message{
		{Topics: []string{"https://example.com/books/1"}, Data: []byte("private"), EventID: "urn:uuid:6f3d1f2e-0000-4000-8000-000000000001", Private: true, Retry: 2500 * time.Millisecond},
		{Topics: []string{"t"}, Data: []byte("retry only"), Retry: time.Second},
		{Topics: []string{"t"}, Data: []byte("private only"), Private: true},
		{Broadcast: true, Data: []byte("plain")},
		{Topics: []string{"t"}, EventID: "id with spaces, ünïcode and : colons"},
	}
	msgs := make([]*ssehub.Message, len(want))
	for i := range want {
		m := want[i]
		msgs[i] = &m
	}
	es, err := a.AppendBatch(context.Background(), msgs, nil)
	if err != nil {
		t.Fatal(err)
	}
	last := es[len(es)-1].Seq
	recA.waitSeq(t, last)
	recB.waitSeq(t, last)
	read, _, err := readAll(a, es[0].Seq-1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for how, got := range map[string][]*ssehub.Entry{"returned": es, "read from Redis": read, "fed to A": recA.delivered(), "fed to B": recB.delivered()} {
		if len(got) != len(want) {
			t.Errorf("%s: %d entries, want %d", how, len(got), len(want))
			continue
		}
		for i, e := range got {
			if !reflect.DeepEqual(e.Message, want[i]) {
				t.Errorf("%s: entry %d = %+v, want %+v", how, i, e.Message, want[i])
			}
		}
	}
	wantSeqOf(t, a, want[0].EventID, es[0].Seq, true)
	wantSeqOf(t, a, want[4].EventID, es[4].Seq, true)
}

// Concurrent appends, merged into few script calls, each find their own
// entry by id.
func TestSeqOfMergedAppends(t *testing.T) {
	env := newLogEnv(t)
	l, _ := env.open(t, freshPrefix(), ssehub.Retention{})
	var wg sync.WaitGroup
	seqs := make([]uint64, 64)
	for i := range seqs {
		wg.Go(func() {
			e, err := l.Append(context.Background(), idMsg(fmt.Sprint("id-", i)), 0)
			if err != nil {
				t.Error(err)
				return
			}
			seqs[i] = e.Seq
		})
	}
	wg.Wait()
	for i, seq := range seqs {
		wantSeqOf(t, l, fmt.Sprint("id-", i), seq, true)
	}
}

// An entry older than MaxAge is not found even before a script trims it;
// the trim (here, a read's) then empties the index.
func TestSeqOfExpired(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	l, _ := env.open(t, prefix, ssehub.Retention{MaxAge: 200 * time.Millisecond})
	e := mustAppendLog(t, l, idMsg("old"))
	wantSeqOf(t, l, "old", e.Seq, true)
	eventually(t, "the entry expires", func() bool {
		_, found, err := l.SeqOf(context.Background(), "old")
		return err == nil && !found
	})
	if n := env.indexLen(t, prefix); n != 1 {
		t.Errorf("index holds %d ids before any trim, want 1", n)
	}
	if _, _, err := readAll(l, e.Seq-1, nil); err != nil && !errors.Is(err, ssehub.ErrNotRetained) {
		t.Fatal(err)
	}
	if n := env.indexLen(t, prefix); n != 0 {
		t.Errorf("index holds %d ids after the trim, want 0", n)
	}
}

// Entries an earlier version wrote (without the fields i, p, r) decode with
// EventID, Private and Retry unset, and an id whose entry a node of that
// version trimmed (leaving the index alone) is not found.
func TestEntriesOfAnEarlierVersion(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	l, _ := env.openTuned(t, prefix, ssehub.Retention{}, noCache)
	e := mustAppendLog(t, l, idMsg("gone"))
	keys, ctx := newLogKeys(prefix), context.Background()
	old := e.Seq + 1
	if err := env.client.HIncrBy(ctx, keys.meta, "head", 1).Err(); err != nil {
		t.Fatal(err)
	}
	if err := env.client.XAdd(ctx, &goredis.XAddArgs{Stream: keys.stream, ID: streamID(old), Values: []any{
		"t", time.Now().UnixMicro(), "s", 200, "n", "", "k", "tnews", "y", "", "d", "old",
	}}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := env.client.XTrimMinID(ctx, keys.stream, streamID(old)).Err(); err != nil { // as an earlier version's trim
		t.Fatal(err)
	}
	wantSeqOf(t, l, "gone", 0, false)
	got, _, err := readAll(l, e.Seq, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := ssehub.Message{Topics: []string{"news"}, Data: []byte("old")}
	if len(got) != 1 || got[0].Seq != old || !reflect.DeepEqual(got[0].Message, want) {
		t.Errorf("ReadAfter(%d) = %v, want entry %d %+v", e.Seq, got, old, want)
	}
}

// A log whose meta was lost (Redis restarted empty, or evicted it) starts
// afresh, and so does its index: an id of the old numbering is not found.
func TestSeqOfAfterMetaLost(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	l, _ := env.open(t, prefix, ssehub.Retention{})
	mustAppendLog(t, l, idMsg("before"))
	if err := env.client.Del(context.Background(), newLogKeys(prefix).meta).Err(); err != nil {
		t.Fatal(err)
	}
	e := mustAppendLog(t, l, idMsg("after"))
	wantSeqOf(t, l, "before", 0, false)
	wantSeqOf(t, l, "after", e.Seq, true)
}

// countHook counts the commands a client sends.
type countHook struct{ n *atomic.Int64 }

func (h countHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h countHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h countHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

// SeqOf is one round trip (once Redis has the script), found or not.
func TestSeqOfOneRoundTrip(t *testing.T) {
	env := newLogEnv(t)
	client := dialLogTest(t, env.srv)
	var n atomic.Int64
	client.AddHook(countHook{&n})
	l, err := newLog(context.Background(), client, LogOptions{Prefix: freshPrefix(), Logger: (&logRecorder{}).logger()}, defaultTuning)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	e := mustAppendLog(t, l, idMsg("x"))
	wantSeqOf(t, l, "x", e.Seq, true) // loads the script
	for _, id := range []string{"x", "y"} {
		before := n.Load()
		_, _, _ = l.SeqOf(context.Background(), id)
		if got := n.Load() - before; got != 1 {
			t.Errorf("SeqOf(%q) sent %d commands, want 1", id, got)
		}
	}
}

// SeqOf after Close fails with ErrClosed; with Redis gone, with an error
// wrapping ErrUnavailable.
func TestSeqOfErrors(t *testing.T) {
	env := newLogEnv(t)
	down, _ := env.open(t, freshPrefix(), ssehub.Retention{})
	env.srv.Stop()
	if _, _, err := down.SeqOf(context.Background(), "x"); !errors.Is(err, ssehub.ErrUnavailable) {
		t.Errorf("SeqOf with Redis down: %v, want ErrUnavailable", err)
	}
	env.srv.Start()
	l, err := newLog(context.Background(), env.client, LogOptions{Prefix: freshPrefix(), Logger: (&logRecorder{}).logger()}, defaultTuning)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.SeqOf(context.Background(), "x"); !errors.Is(err, ssehub.ErrClosed) {
		t.Errorf("SeqOf after Close: %v, want ErrClosed", err)
	}
}

// An id that looks like a sequence number names its entry, not that seq.
func TestSeqOfNumericID(t *testing.T) {
	env := newLogEnv(t)
	l, _ := env.open(t, freshPrefix(), ssehub.Retention{})
	first := mustAppendLog(t, l, broadcastMsg("plain"))
	id := fmt.Sprint(first.Seq)
	e := mustAppendLog(t, l, idMsg(id))
	wantSeqOf(t, l, id, e.Seq, true)
	wantSeqOf(t, l, fmt.Sprint(e.Seq), 0, false)
}

// Resuming by event id is exact across nodes: for every id node A
// appended, node B (reading from Redis, and from its feed's memory) finds
// its seq and reads exactly the entries after it.
func TestResumeByEventIDAcrossNodes(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	a, _ := env.open(t, prefix, ssehub.Retention{})
	bRedis, _ := env.openTuned(t, prefix, ssehub.Retention{}, noCache)
	bMemory, recB := env.open(t, prefix, ssehub.Retention{})
	var es []*ssehub.Entry
	for i := range 5 {
		es = append(es, mustAppendLog(t, a, idMsg(fmt.Sprint("urn:uuid:", i))))
	}
	recB.waitSeq(t, es[len(es)-1].Seq)
	for name, b := range map[string]*Log{"from Redis": bRedis, "from memory": bMemory} {
		for i, e := range es {
			seq, found, err := b.SeqOf(context.Background(), e.EventID)
			if err != nil || !found || seq != e.Seq {
				t.Fatalf("%s: SeqOf(%q) = %d, %v, %v; want %d", name, e.EventID, seq, found, err, e.Seq)
			}
			got, _, err := readAll(b, seq, &ssehub.Subscription{Topics: []string{"t"}})
			if err != nil {
				t.Fatal(err)
			}
			if want := seqsOf(es[i+1:]); fmt.Sprint(seqsOf(got)) != fmt.Sprint(want) {
				t.Errorf("%s: resumed after %q: %v, want %v", name, e.EventID, seqsOf(got), want)
			}
		}
	}
}
