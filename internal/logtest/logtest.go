// Package logtest is a conformance suite for implementations of ssehub.Log.
//
// An implementation's tests call [Run] with a function that opens a fresh,
// empty log:
//
//	func TestLog(t *testing.T) {
//		logtest.Run(t, func(t *testing.T, r ssehub.Retention) ssehub.Log {
//			return mylog.New(r)
//		})
//	}
//
// Run closes every log it opens (and reports an error from Close), so open
// must not register Close itself. The suite never assumes a first sequence
// number: it only compares the numbers the log returns.
package logtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

// Run runs the conformance subtests against the logs open returns. open is
// called once per subtest and must return a new, empty log that retains what
// r allows.
func Run(t *testing.T, open func(t *testing.T, r ssehub.Retention) ssehub.Log) {
	s := &suite{open: open}
	tests := []struct {
		name string
		fn   func(*testing.T)
	}{
		{"SeqIncreasesByOne", s.testSeq},
		{"MessageFields", s.testMessageFields},
		{"ConcurrentAppend", s.testConcurrentAppend},
		{"ReadAfter", s.testReadAfter},
		{"ReadAfterEmpty", s.testReadAfterEmpty},
		{"ReadAfterFutureID", s.testReadAfterFuture},
		{"ReadAfterFnError", s.testReadAfterFnError},
		{"ReadAfterFnUnlocked", s.testReadAfterFnUnlocked},
		{"RetentionByCount", s.testRetentionByCount},
		{"RetentionByAge", s.testRetentionByAge},
		{"RetentionByBytes", s.testRetentionByBytes},
		{"AppendAfterClose", s.testAppendAfterClose},
		{"AppendBatch", s.testAppendBatch},
		{"DeliverGetsTheAppendedMessage", s.testDeliverSrc},
		{"HeadCoversDeliveryInProgress", s.testHeadCoversDeliveryInProgress},
		{"ResumeAtEveryPosition", s.testResumeAtEveryPosition},
		{"ConcurrentResumesSlowListener", s.testConcurrentResumes},
		{"ReadAfterBySubscription", s.testReadAfterBySubscription},
		{"RetentionByTarget", s.testRetentionByTarget},
		{"AppendOnce", s.testAppendOnce},
		{"AppendOnceConcurrent", s.testAppendOnceConcurrent},
		{"AppendOnceWindow", s.testAppendOnceWindow},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.fn)
	}
}

type suite struct {
	open func(t *testing.T, r ssehub.Retention) ssehub.Log
}

// newLog opens a log with a recording listener and closes it when t ends.
func (s *suite) newLog(t *testing.T, r ssehub.Retention) (ssehub.Log, *recorder) {
	t.Helper()
	l := s.open(t, r)
	rec := newRecorder(t)
	l.Listen(rec)
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l, rec
}

// recorder is a listener that records what it is given and checks that it
// is called one call at a time, in sequence order.
type recorder struct {
	t     *testing.T
	mu    sync.Mutex // for failures only
	fails int
	done  bool // t has ended: a late call cannot be reported
	busy  atomic.Bool
	last  atomic.Uint64 // Seq of the newest entry delivered
	begun atomic.Uint64 // Seq of the newest entry whose Deliver call has begun

	// hook, when set before the first Append, is called by Deliver with
	// each entry, after begun is set: a test makes the listener slow or
	// blocks it with it.
	hook func(e *ssehub.Entry)
	// srcs records Deliver's src argument per entry, for the tests that
	// check it; guarded by mu.
	srcs map[uint64]*ssehub.Message

	// Written by the listener without a lock of its own, after busy is
	// released, so that the race detector reports a log that calls the
	// listener from several goroutines without ordering the calls. Read by
	// the test only once the Appends that delivered them have returned.
	entries []*ssehub.Entry
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{t: t}
	t.Cleanup(func() {
		r.mu.Lock()
		r.done = true
		r.mu.Unlock()
	})
	return r
}

// Deliver implements ssehub.Listener.
func (r *recorder) Deliver(e *ssehub.Entry, src *ssehub.Message) {
	if !r.busy.CompareAndSwap(false, true) {
		r.fail("listener called for entry %d while another call was running", e.Seq)
	}
	r.begun.Store(e.Seq)
	if r.hook != nil {
		r.hook(e)
	}
	r.mu.Lock()
	if r.srcs == nil {
		r.srcs = make(map[uint64]*ssehub.Message)
	}
	r.srcs[e.Seq] = src
	r.mu.Unlock()
	r.busy.Store(false)
	if n := len(r.entries); n > 0 && e.Seq != r.entries[n-1].Seq+1 {
		r.fail("listener got entry %d after entry %d, want %d", e.Seq, r.entries[n-1].Seq, r.entries[n-1].Seq+1)
	}
	r.entries = append(r.entries, e)
	r.last.Store(e.Seq)
}

// Skip implements ssehub.Listener. The logs this suite opens hold all their
// entries: none may skip.
func (r *recorder) Skip(through uint64) {
	r.fail("Skip(%d) called: a log that records every entry itself never loses continuity", through)
}

// src returns Deliver's src argument for entry seq.
func (r *recorder) src(seq uint64) *ssehub.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.srcs[seq]
}

// fail reports a failure of the listener's checks, unless the test is over
// (a log that calls its listener after Append returned fails elsewhere).
func (r *recorder) fail(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	switch r.fails++; {
	case r.fails <= 3:
		r.t.Errorf(format, args...)
	case r.fails == 4:
		r.t.Errorf("(more listener failures not shown)")
	}
}

// msg returns a broadcast message whose data is text.
func msg(text string) *ssehub.Message {
	return &ssehub.Message{Broadcast: true, Data: []byte(text)}
}

// appendN appends n messages with data prefix0, prefix1, … and returns the
// entries, checking each sequence number and the listener on the way.
func appendN(t *testing.T, l ssehub.Log, rec *recorder, prefix string, n int) []*ssehub.Entry {
	t.Helper()
	var es []*ssehub.Entry
	for i := range n {
		m := msg(fmt.Sprintf("%s%d", prefix, i))
		e := mustAppend(t, l, m)
		if len(es) > 0 && e.Seq != es[len(es)-1].Seq+1 {
			t.Fatalf("Append %q: Seq = %d, want %d (previous + 1)", m.Data, e.Seq, es[len(es)-1].Seq+1)
		}
		if got := rec.last.Load(); got != e.Seq {
			t.Fatalf("Append %q returned entry %d, but the newest entry the listener got is %d", m.Data, e.Seq, got)
		}
		es = append(es, e)
	}
	return es
}

func mustAppend(t *testing.T, l ssehub.Log, m *ssehub.Message) *ssehub.Entry {
	t.Helper()
	e, err := l.Append(context.Background(), m)
	if err != nil {
		t.Fatalf("Append %q: %v", m.Data, err)
	}
	if e == nil {
		t.Fatalf("Append %q returned a nil entry and no error", m.Data)
	}
	return e
}

// emptyHead returns the head of a log that has no entries yet: the head a
// ReadAfter of a position never issued reports.
func emptyHead(t *testing.T, l ssehub.Log) uint64 {
	t.Helper()
	head, err := l.ReadAfter(context.Background(), math.MaxUint64, nil, func(e *ssehub.Entry) error {
		t.Errorf("ReadAfter(MaxUint64) on an empty log called fn with entry %d", e.Seq)
		return nil
	})
	if !errors.Is(err, ssehub.ErrUnknownPosition) {
		t.Fatalf("ReadAfter(MaxUint64) on an empty log: %v, want ErrUnknownPosition", err)
	}
	return head
}

// read calls ReadAfter(after) and returns the head, the entries fn was
// called with, and the error.
func read(t *testing.T, l ssehub.Log, after uint64) (uint64, []*ssehub.Entry, error) {
	t.Helper()
	var got []*ssehub.Entry
	head, err := l.ReadAfter(context.Background(), after, nil, func(e *ssehub.Entry) error {
		got = append(got, e)
		return nil
	})
	return head, got, err
}

// wantRead checks that ReadAfter(after) succeeds, returns head, and calls
// fn with exactly the entries want, in order.
func wantRead(t *testing.T, l ssehub.Log, after, head uint64, want []*ssehub.Entry) {
	t.Helper()
	gotHead, got, err := read(t, l, after)
	if err != nil {
		t.Fatalf("ReadAfter(%d): %v, want no error", after, err)
	}
	if gotHead != head {
		t.Errorf("ReadAfter(%d) head = %d, want %d", after, gotHead, head)
	}
	if !slices.Equal(seqs(got), seqs(want)) {
		t.Fatalf("ReadAfter(%d) read entries %s, want %s", after, fmtSeqs(seqs(got)), fmtSeqs(seqs(want)))
	}
	for i := range got {
		if d := diff(&got[i].Message, &want[i].Message); d != "" {
			t.Errorf("ReadAfter(%d): entry %d: %s", after, got[i].Seq, d)
		}
		if !got[i].Time.Equal(want[i].Time) {
			t.Errorf("ReadAfter(%d): entry %d: Time = %v, want %v (as appended)", after, got[i].Seq, got[i].Time, want[i].Time)
		}
	}
}

// wantNotRetained checks that ReadAfter(after) returns head and
// ErrNotRetained without calling fn.
func wantNotRetained(t *testing.T, l ssehub.Log, after, head uint64) {
	t.Helper()
	wantReadError(t, l, after, head, ssehub.ErrNotRetained)
}

// wantUnknown checks that ReadAfter(after) returns head and
// ErrUnknownPosition without calling fn.
func wantUnknown(t *testing.T, l ssehub.Log, after, head uint64) {
	t.Helper()
	wantReadError(t, l, after, head, ssehub.ErrUnknownPosition)
}

func wantReadError(t *testing.T, l ssehub.Log, after, head uint64, want error) {
	t.Helper()
	gotHead, got, err := read(t, l, after)
	if !errors.Is(err, want) {
		t.Errorf("ReadAfter(%d) error = %v, want %v (head %d)", after, err, want, head)
	}
	if gotHead != head {
		t.Errorf("ReadAfter(%d) head = %d, want %d", after, gotHead, head)
	}
	if len(got) > 0 {
		t.Errorf("ReadAfter(%d) called fn with %s, want no call", after, fmtSeqs(seqs(got)))
	}
}

func seqs(es []*ssehub.Entry) []uint64 {
	s := make([]uint64, len(es))
	for i, e := range es {
		s[i] = e.Seq
	}
	return s
}

// fmtSeqs formats sequence numbers, runs of consecutive ones as first..last.
func fmtSeqs(s []uint64) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] == s[j]+1 {
			j++
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		if j > i {
			fmt.Fprintf(&b, "%d..%d", s[i], s[j])
		} else {
			fmt.Fprintf(&b, "%d", s[i])
		}
		i = j + 1
	}
	b.WriteByte(']')
	return b.String()
}

// diff describes how got differs from want, or returns "". Nil and empty
// slices are equal.
func diff(got, want *ssehub.Message) string {
	var d []string
	if !slices.Equal(got.Clients, want.Clients) {
		d = append(d, fmt.Sprintf("Clients = %q, want %q", got.Clients, want.Clients))
	}
	if !slices.Equal(got.Topics, want.Topics) {
		d = append(d, fmt.Sprintf("Topics = %q, want %q", got.Topics, want.Topics))
	}
	if got.Broadcast != want.Broadcast {
		d = append(d, fmt.Sprintf("Broadcast = %v, want %v", got.Broadcast, want.Broadcast))
	}
	if got.Type != want.Type {
		d = append(d, fmt.Sprintf("Type = %q, want %q", got.Type, want.Type))
	}
	if !bytes.Equal(got.Data, want.Data) {
		g, w := got.Data, want.Data
		if len(g) > 64 || len(w) > 64 {
			d = append(d, fmt.Sprintf("Data (%d bytes) differs from want (%d bytes)", len(g), len(w)))
		} else {
			d = append(d, fmt.Sprintf("Data = %q, want %q", g, w))
		}
	}
	return strings.Join(d, "; ")
}

// testSeq: consecutive sequence numbers, delivered to the listener before
// Append returns, and ReadAfter(head) reads nothing.
func (s *suite) testSeq(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{})
	es := appendN(t, l, rec, "e", 20)
	if es[0].Seq == 0 {
		t.Errorf("first entry has Seq 0; sequence numbers start above zero")
	}
	if len(rec.entries) != len(es) {
		t.Fatalf("listener got %d entries, want %d", len(rec.entries), len(es))
	}
	for i, e := range rec.entries {
		if e.Seq != es[i].Seq {
			t.Errorf("listener entry %d: Seq = %d, want %d", i, e.Seq, es[i].Seq)
		}
		if d := diff(&e.Message, &es[i].Message); d != "" {
			t.Errorf("listener entry %d: %s", e.Seq, d)
		}
	}
	head := es[len(es)-1].Seq
	wantRead(t, l, head, head, nil)
}

// testMessageFields: every field of the message survives Append, the
// listener and ReadAfter.
func (s *suite) testMessageFields(t *testing.T) {
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	big := bytes.Repeat([]byte("0123456789abcdef\n"), 4096)
	msgs := []*ssehub.Message{
		{Clients: []string{"alice"}, Data: []byte("to alice")},
		{Clients: []string{"alice", "bob", "c☃"}, Topics: []string{"news", "sport"}, Type: "update", Data: []byte("x")},
		{Topics: []string{"t"}, Data: nil},
		{Broadcast: true, Data: []byte{}},
		{Broadcast: true, Type: "ping"},
		{Broadcast: true, Data: []byte("line 1\nline 2\r\nline 3\rend\n")},
		{Broadcast: true, Data: []byte("nul\x00inside\x00")},
		{Broadcast: true, Clients: []string{"a"}, Topics: []string{"b"}, Data: binary},
		{Broadcast: true, Data: big},
	}
	l, rec := s.newLog(t, ssehub.Retention{})
	before := emptyHead(t, l)
	var es []*ssehub.Entry
	for i, m := range msgs {
		// Append a copy so that a log that changes m's fields is caught.
		in := *m
		e := mustAppend(t, l, &in)
		if d := diff(&e.Message, m); d != "" {
			t.Errorf("message %d: Append returned %s", i, d)
		}
		if e.Time.IsZero() {
			t.Errorf("message %d: Append returned an entry with a zero Time", i)
		}
		es = append(es, e)
	}
	if len(rec.entries) != len(msgs) {
		t.Fatalf("listener got %d entries, want %d", len(rec.entries), len(msgs))
	}
	for i, e := range rec.entries {
		if d := diff(&e.Message, msgs[i]); d != "" {
			t.Errorf("message %d: listener got %s", i, d)
		}
	}
	wantRead(t, l, before, es[len(es)-1].Seq, es)
}

// testConcurrentAppend: 8 goroutines append at once; the numbers are
// distinct and consecutive and the listener sees each entry once, in order,
// before its Append returns.
func (s *suite) testConcurrentAppend(t *testing.T) {
	const goroutines, perG = 8, 50
	l, rec := s.newLog(t, ssehub.Retention{})
	before := emptyHead(t, l)

	var wg sync.WaitGroup
	results := make([][]*ssehub.Entry, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				m := msg(fmt.Sprintf("g%d-%d", g, i))
				e, err := l.Append(context.Background(), m)
				if err != nil {
					t.Errorf("Append %q: %v", m.Data, err)
					return
				}
				if d := diff(&e.Message, m); d != "" {
					t.Errorf("Append %q returned %s", m.Data, d)
					return
				}
				if last := rec.last.Load(); last < e.Seq {
					t.Errorf("Append %q returned entry %d before the listener got it (newest delivered: %d)", m.Data, e.Seq, last)
					return
				}
				if n := len(results[g]); n > 0 && e.Seq <= results[g][n-1].Seq {
					t.Errorf("goroutine %d: Append returned %d after %d", g, e.Seq, results[g][n-1].Seq)
					return
				}
				results[g] = append(results[g], e)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	bySeq := make(map[uint64]*ssehub.Entry)
	for _, es := range results {
		for _, e := range es {
			if prev := bySeq[e.Seq]; prev != nil {
				t.Fatalf("Seq %d returned twice: for %q and %q", e.Seq, prev.Data, e.Data)
			}
			bySeq[e.Seq] = e
		}
	}
	first := before + 1
	if len(rec.entries) > 0 {
		first = rec.entries[0].Seq
	}
	for seq := first; seq < first+goroutines*perG; seq++ {
		if bySeq[seq] == nil {
			t.Fatalf("Appends returned %d entries from %d, but none numbered %d", len(bySeq), first, seq)
		}
	}
	if len(rec.entries) != goroutines*perG {
		t.Fatalf("listener got %d entries, want %d", len(rec.entries), goroutines*perG)
	}
	for _, e := range rec.entries {
		if d := diff(&e.Message, &bySeq[e.Seq].Message); d != "" {
			t.Errorf("listener entry %d: %s", e.Seq, d)
		}
	}
	all := make([]*ssehub.Entry, 0, len(bySeq))
	for seq := first; seq < first+goroutines*perG; seq++ {
		all = append(all, bySeq[seq])
	}
	wantRead(t, l, before, all[len(all)-1].Seq, all)
}

// testReadAfter: ReadAfter(a head seen earlier) reads exactly the later
// entries, and ReadAfter(head) reads nothing.
func (s *suite) testReadAfter(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{})
	empty := emptyHead(t, l)
	early := appendN(t, l, rec, "early", 3)
	mark := early[2].Seq
	later := appendN(t, l, rec, "later", 4)
	head := later[3].Seq

	wantRead(t, l, mark, head, later)
	wantRead(t, l, empty, head, slices.Concat(early, later)) // head of the empty log: everything
	wantRead(t, l, early[0].Seq, head, slices.Concat(early[1:], later))
	wantRead(t, l, later[2].Seq, head, later[3:])
	wantRead(t, l, head, head, nil)
	if first := early[0].Seq; first >= 2 {
		// Never issued by this log: before its first entry's predecessor,
		// the empty log's head.
		wantUnknown(t, l, first-2, head)
	}
}

// testReadAfterEmpty: on a log with no entries, ReadAfter(head) reads
// nothing and succeeds.
func (s *suite) testReadAfterEmpty(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{})
	head := emptyHead(t, l)
	wantRead(t, l, head, head, nil)
	wantUnknown(t, l, head+1, head)
	es := appendN(t, l, rec, "e", 1)
	if es[0].Seq != head+1 {
		t.Errorf("first Append: Seq = %d, want %d (the empty log's head + 1)", es[0].Seq, head+1)
	}
}

// testReadAfterFuture: ids above the head were never issued.
func (s *suite) testReadAfterFuture(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{})
	es := appendN(t, l, rec, "e", 3)
	head := es[2].Seq
	for _, after := range []uint64{head + 1, head + 1000, math.MaxUint64 - 1, math.MaxUint64} {
		wantUnknown(t, l, after, head)
	}
}

// testReadAfterFnError: an error from fn stops the read and is returned.
func (s *suite) testReadAfterFnError(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{})
	es := appendN(t, l, rec, "e", 5)
	stop := errors.New("stop here")
	var calls []uint64
	_, err := l.ReadAfter(context.Background(), es[0].Seq, nil, func(e *ssehub.Entry) error {
		calls = append(calls, e.Seq)
		if len(calls) == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Errorf("ReadAfter error = %v, want the error fn returned (%v)", err, stop)
	}
	if want := seqs(es[1:3]); !slices.Equal(calls, want) {
		t.Errorf("fn called with %s, want %s (and no call after it returned an error)", fmtSeqs(calls), fmtSeqs(want))
	}
}

// testReadAfterFnUnlocked: fn runs without the log's locks, so it may call
// Append; the read ends at the head at the time of the call.
func (s *suite) testReadAfterFnUnlocked(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{})
	es := appendN(t, l, rec, "e", 2)
	var calls []uint64
	var appended *ssehub.Entry
	head, err := l.ReadAfter(context.Background(), es[0].Seq-1, nil, func(e *ssehub.Entry) error {
		calls = append(calls, e.Seq)
		if appended != nil {
			return nil
		}
		type result struct {
			e   *ssehub.Entry
			err error
		}
		done := make(chan result, 1)
		go func() {
			e, err := l.Append(context.Background(), msg("during read"))
			done <- result{e, err}
		}()
		select {
		case r := <-done:
			if r.err != nil {
				t.Fatalf("Append inside ReadAfter's fn: %v", r.err)
			}
			appended = r.e
		case <-time.After(5 * time.Second):
			t.Fatalf("Append inside ReadAfter's fn blocked for 5s: is fn called with a lock held?")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ReadAfter: %v", err)
	}
	if want := es[1].Seq; head != want {
		t.Errorf("ReadAfter head = %d, want %d (the head when it was called)", head, want)
	}
	if want := seqs(es); !slices.Equal(calls, want) {
		t.Errorf("fn called with %s, want %s (not the entry appended during the read)", fmtSeqs(calls), fmtSeqs(want))
	}
	if appended != nil && appended.Seq != es[1].Seq+1 {
		t.Errorf("Append during the read: Seq = %d, want %d", appended.Seq, es[1].Seq+1)
	}
}

// testRetentionByCount: with MaxEntries 5, only the 5 newest entries are
// read.
func (s *suite) testRetentionByCount(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{MaxEntries: 5})
	es := appendN(t, l, rec, "e", 12)
	head := es[11].Seq
	wantRead(t, l, es[6].Seq, head, es[7:]) // just before the oldest retained
	wantRead(t, l, es[9].Seq, head, es[10:])
	wantRead(t, l, head, head, nil)
	wantNotRetained(t, l, es[5].Seq, head) // es[6] is gone
	wantNotRetained(t, l, es[0].Seq, head)
	wantNotRetained(t, l, es[0].Seq-1, head)
}

// testRetentionByAge: entries older than MaxAge are not read.
func (s *suite) testRetentionByAge(t *testing.T) {
	const maxAge = time.Second
	l, rec := s.newLog(t, ssehub.Retention{MaxAge: maxAge})
	// youngRead checks that entries appended since start are retained,
	// unless a slow machine has let them grow old.
	youngRead := func(start time.Time, after, head uint64, want []*ssehub.Entry) {
		t.Helper()
		if d := time.Since(start); d > maxAge/2 {
			t.Logf("appending took %v: not checking that entries younger than MaxAge %v are read", d, maxAge)
			return
		}
		wantRead(t, l, after, head, want)
	}
	start := time.Now()
	old := appendN(t, l, rec, "old", 3)
	youngRead(start, old[0].Seq-1, old[2].Seq, old)
	time.Sleep(maxAge + 100*time.Millisecond)

	// Every entry has expired; the head has not moved.
	head := old[2].Seq
	wantNotRetained(t, l, old[0].Seq-1, head)
	wantNotRetained(t, l, old[1].Seq, head)
	wantRead(t, l, head, head, nil)

	start = time.Now()
	young := appendN(t, l, rec, "young", 2)
	head = young[1].Seq
	youngRead(start, old[2].Seq, head, young) // just before the oldest retained
	wantNotRetained(t, l, old[1].Seq, head)
	wantNotRetained(t, l, old[0].Seq, head)
}

// testAppendAfterClose: Append after Close fails with ErrClosed and
// delivers nothing.
func (s *suite) testAppendAfterClose(t *testing.T) {
	l := s.open(t, ssehub.Retention{})
	rec := newRecorder(t)
	l.Listen(rec)
	appendN(t, l, rec, "e", 2)
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	e, err := l.Append(context.Background(), msg("after close"))
	if err == nil {
		t.Fatalf("Append after Close returned entry %d and no error", e.Seq)
	}
	if !errors.Is(err, ssehub.ErrClosed) {
		t.Errorf("Append after Close: error = %v, want ErrClosed", err)
	}
	if n := len(rec.entries); n != 2 {
		t.Errorf("listener got %d entries, want 2 (none after Close)", n)
	}
}

// testAppendBatch, for a BatchLog: a batch gets consecutive sequence numbers
// after the entries before it, reaches the listener in order before
// AppendBatch returns, and reads back whole, interleaved with single Appends.
func (s *suite) testAppendBatch(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{})
	bl, ok := l.(ssehub.BatchLog)
	if !ok {
		t.Skip("not a BatchLog: Hub.PublishBatch appends one by one")
	}
	before := appendN(t, l, rec, "single", 2)
	msgs := []*ssehub.Message{msg("b0"), msg("b1"), msg("b2")}
	batch, err := bl.AppendBatch(context.Background(), msgs)
	if err != nil {
		t.Fatalf("AppendBatch: %v", err)
	}
	if len(batch) != len(msgs) {
		t.Fatalf("AppendBatch returned %d entries for %d messages", len(batch), len(msgs))
	}
	for i, e := range batch {
		if want := before[len(before)-1].Seq + 1 + uint64(i); e.Seq != want {
			t.Errorf("batch entry %d: Seq = %d, want %d", i, e.Seq, want)
		}
		if d := diff(&e.Message, msgs[i]); d != "" {
			t.Errorf("batch entry %d: %s", i, d)
		}
	}
	if got := rec.last.Load(); got != batch[len(batch)-1].Seq {
		t.Fatalf("AppendBatch returned, but the newest entry the listener got is %d, want %d", got, batch[len(batch)-1].Seq)
	}
	after := mustAppend(t, l, msg("after"))
	want := append(append([]*ssehub.Entry{}, batch...), after)
	wantRead(t, l, before[len(before)-1].Seq, after.Seq, want)
}

// appendSome appends msgs, as one batch if l is a BatchLog (several entries
// then reach the listener from one call), else one by one.
func appendSome(l ssehub.Log, msgs []*ssehub.Message) ([]*ssehub.Entry, error) {
	if bl, ok := l.(ssehub.BatchLog); ok {
		return bl.AppendBatch(context.Background(), msgs)
	}
	var es []*ssehub.Entry
	for _, m := range msgs {
		e, err := l.Append(context.Background(), m)
		if err != nil {
			return es, err
		}
		es = append(es, e)
	}
	return es, nil
}

func mustAppendSome(t *testing.T, l ssehub.Log, msgs []*ssehub.Message) []*ssehub.Entry {
	t.Helper()
	es, err := appendSome(l, msgs)
	if err != nil {
		t.Fatalf("appending %d messages: %v", len(msgs), err)
	}
	return es
}

// testDeliverSrc: Deliver's src is the very *Message passed to Append or
// AppendBatch (the hub finds its publisher's state by it).
func (s *suite) testDeliverSrc(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{})
	m := msg("single")
	e := mustAppend(t, l, m)
	if got := rec.src(e.Seq); got != m {
		t.Errorf("Deliver(entry %d) src = %p, want the *Message passed to Append (%p)", e.Seq, got, m)
	}
	batch := []*ssehub.Message{msg("b0"), msg("b1"), msg("b2")}
	for i, e := range mustAppendSome(t, l, batch) {
		if got := rec.src(e.Seq); got != batch[i] {
			t.Errorf("Deliver(entry %d) src = %p, want message %d of the batch (%p)", e.Seq, got, i, batch[i])
		}
	}
}

// testHeadCoversDeliveryInProgress: while the listener is blocked in the
// middle of a batch, a ReadAfter from another goroutine reports a head at
// least the entry being delivered (Log: Positions). A stream that registers
// with the hub after that entry's fan-out passed it, and reads a head short
// of it, would never receive it.
func (s *suite) testHeadCoversDeliveryInProgress(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{})
	before := appendN(t, l, rec, "before", 2)
	blocked := make(chan uint64, 1)
	release := make(chan struct{})
	var once sync.Once
	rec.hook = func(e *ssehub.Entry) {
		if string(e.Data) == "b1" {
			once.Do(func() {
				blocked <- e.Seq
				<-release
			})
		}
	}
	appended := make(chan []*ssehub.Entry, 1)
	go func() {
		es, err := appendSome(l, []*ssehub.Message{msg("b0"), msg("b1"), msg("b2")})
		if err != nil {
			t.Errorf("appending a batch: %v", err)
		}
		appended <- es
	}()
	var inProgress uint64
	select {
	case inProgress = <-blocked:
	case <-time.After(5 * time.Second):
		close(release)
		t.Fatal("the listener was not called with the batch's second entry within 5s")
	}
	type result struct {
		head uint64
		err  error
	}
	read := make(chan result, 1)
	go func() {
		head, err := l.ReadAfter(context.Background(), before[1].Seq, nil, func(*ssehub.Entry) error { return nil })
		read <- result{head, err}
	}()
	var r result
	select {
	case r = <-read: // a log whose reads do not wait for its listener
		close(release)
	case <-time.After(200 * time.Millisecond): // a log whose reads do
		close(release)
		select {
		case r = <-read:
		case <-time.After(5 * time.Second):
			t.Fatal("ReadAfter did not return within 5s of the listener's release")
		}
	}
	select {
	case <-appended:
	case <-time.After(5 * time.Second):
		t.Fatal("AppendBatch did not return within 5s of the listener's release")
	}
	if r.err != nil {
		t.Fatalf("ReadAfter during a delivery: %v", r.err)
	}
	if r.head < inProgress {
		t.Errorf("ReadAfter during the delivery of entry %d reported head %d: an entry whose Deliver has begun must be within the head", inProgress, r.head)
	}
}

// testResumeAtEveryPosition: around batch boundaries, ReadAfter from every
// position reads exactly the entries after it.
func (s *suite) testResumeAtEveryPosition(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{})
	start := emptyHead(t, l)
	var all []*ssehub.Entry
	all = append(all, appendN(t, l, rec, "a", 2)...)
	all = append(all, mustAppendSome(t, l, []*ssehub.Message{msg("b0"), msg("b1"), msg("b2"), msg("b3")})...)
	all = append(all, appendN(t, l, rec, "c", 1)...)
	all = append(all, mustAppendSome(t, l, []*ssehub.Message{msg("d0"), msg("d1")})...)
	head := all[len(all)-1].Seq
	wantRead(t, l, start, head, all)
	for i, e := range all {
		wantRead(t, l, e.Seq, head, all[i+1:])
	}
}

// testConcurrentResumes: appends from several goroutines, a listener that
// is sometimes slow, and readers resuming all the while, as streams do. Each
// reader notes the newest entry whose delivery had begun, then reads: the
// head must cover it, and the entries read must be exactly those after the
// position, none missing, none twice.
func (s *suite) testConcurrentResumes(t *testing.T) {
	const appenders, perAppender, readers = 4, 60, 4
	l, rec := s.newLog(t, ssehub.Retention{})
	start := emptyHead(t, l)
	rec.hook = func(e *ssehub.Entry) {
		if e.Seq%7 == 0 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	var appending sync.WaitGroup
	for a := range appenders {
		appending.Go(func() {
			for i := range perAppender {
				m := msg(fmt.Sprintf("%d-%d", a, i))
				var err error
				if i%5 == 0 {
					_, err = appendSome(l, []*ssehub.Message{m, msg("batch"), msg("batch")})
				} else {
					_, err = l.Append(context.Background(), m)
				}
				if err != nil {
					t.Errorf("Append: %v", err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { appending.Wait(); close(done) }()
	var reading sync.WaitGroup
	for range readers {
		reading.Go(func() {
			pos := start
			for round := 0; ; round++ {
				begun := rec.begun.Load()
				head, got, err := read(t, l, pos)
				if err != nil {
					t.Errorf("ReadAfter(%d): %v", pos, err)
					return
				}
				if head < begun {
					t.Errorf("ReadAfter(%d) reported head %d, but the delivery of entry %d had begun before the call", pos, head, begun)
					return
				}
				for i, e := range got {
					if e.Seq != pos+1+uint64(i) {
						t.Errorf("ReadAfter(%d): entry %d of the read is %d, want %d", pos, i, e.Seq, pos+1+uint64(i))
						return
					}
				}
				if uint64(len(got)) != head-pos {
					t.Errorf("ReadAfter(%d): read %d entries up to head %d, want %d", pos, len(got), head, head-pos)
					return
				}
				back := min(uint64(round%3), head-start) // resume from a little behind too
				pos = head - back
				select {
				case <-done:
					return
				default:
				}
			}
		})
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("appends did not finish within 30s")
	}
	reading.Wait()
}

// testReadAfterBySubscription: with a subscription, ReadAfter reads exactly
// the entries Subscription.Receives, and the head is the log's.
func (s *suite) testReadAfterBySubscription(t *testing.T) {
	l, _ := s.newLog(t, ssehub.Retention{})
	start := emptyHead(t, l)
	msgs := []*ssehub.Message{
		{Clients: []string{"alice"}, Data: []byte("to alice")},
		{Clients: []string{"bob"}, Data: []byte("to bob")},
		{Topics: []string{"news"}, Data: []byte("news")},
		{Topics: []string{"sport"}, Data: []byte("sport")},
		{Broadcast: true, Data: []byte("everyone")},
		{Clients: []string{"bob", "alice"}, Topics: []string{"news"}, Data: []byte("alice twice over")},
	}
	es := mustAppendSome(t, l, msgs)
	head := es[len(es)-1].Seq
	for _, sub := range []ssehub.Subscription{
		{Client: "alice"},
		{Client: "alice", Topics: []string{"news", "sport"}},
		{Client: "carol", Topics: []string{"sport"}},
		{Client: "dave"},
	} {
		var want []*ssehub.Entry
		for _, e := range es {
			if sub.Receives(&e.Message) {
				want = append(want, e)
			}
		}
		var got []*ssehub.Entry
		gotHead, err := l.ReadAfter(context.Background(), start, &sub, func(e *ssehub.Entry) error {
			got = append(got, e)
			return nil
		})
		if err != nil || gotHead != head {
			t.Errorf("ReadAfter(%d, %+v) = head %d, %v; want %d, nil", start, sub, gotHead, err, head)
		}
		if !slices.Equal(seqs(got), seqs(want)) {
			t.Errorf("ReadAfter(%d, %+v) read %s, want %s", start, sub, fmtSeqs(seqs(got)), fmtSeqs(seqs(want)))
		}
	}
}

// testRetentionByTarget: a stream is told it lost history only when an
// entry it would have received was dropped, not when other clients'
// entries pushed the window along.
func (s *suite) testRetentionByTarget(t *testing.T) {
	l, _ := s.newLog(t, ssehub.Retention{MaxEntries: 4})
	to := func(client string) *ssehub.Message {
		return &ssehub.Message{Clients: []string{client}, Data: []byte("to " + client)}
	}
	alice := mustAppend(t, l, to("alice"))
	news := mustAppend(t, l, &ssehub.Message{Topics: []string{"news"}, Data: []byte("news")})
	var bobs []*ssehub.Entry
	for range 6 {
		bobs = append(bobs, mustAppend(t, l, to("bob")))
	}
	head := bobs[len(bobs)-1].Seq
	type check struct {
		sub   ssehub.Subscription
		after uint64
		lost  bool
	}
	for _, c := range []check{
		{ssehub.Subscription{Client: "alice"}, alice.Seq, false},    // only bob's and the topic's entries dropped since
		{ssehub.Subscription{Client: "alice"}, alice.Seq - 1, true}, // her own entry is gone
		{ssehub.Subscription{Client: "carol", Topics: []string{"news"}}, alice.Seq, true},
		{ssehub.Subscription{Client: "carol", Topics: []string{"news"}}, news.Seq, false},
		{ssehub.Subscription{Client: "bob"}, alice.Seq, true},
		{ssehub.Subscription{Client: "bob"}, bobs[1].Seq, false}, // bobs[2:] are the four retained
		{ssehub.Subscription{Client: "bob"}, bobs[0].Seq, true},
	} {
		var got []*ssehub.Entry
		gotHead, err := l.ReadAfter(context.Background(), c.after, &c.sub, func(e *ssehub.Entry) error {
			got = append(got, e)
			return nil
		})
		switch {
		case gotHead != head:
			t.Errorf("ReadAfter(%d, %+v): head %d, want %d", c.after, c.sub, gotHead, head)
		case c.lost && !errors.Is(err, ssehub.ErrNotRetained):
			t.Errorf("ReadAfter(%d, %+v) = %v, want ErrNotRetained: an entry it receives was dropped", c.after, c.sub, err)
		case c.lost && len(got) > 0:
			t.Errorf("ReadAfter(%d, %+v) called fn with %s and returned ErrNotRetained, want no call", c.after, c.sub, fmtSeqs(seqs(got)))
		case !c.lost && err != nil:
			t.Errorf("ReadAfter(%d, %+v) = %v, want no error: nothing it receives was dropped", c.after, c.sub, err)
		}
	}
	// Without a subscription, any dropped entry counts.
	wantNotRetained(t, l, alice.Seq, head)
}

// testRetentionByBytes: with MaxBytes room for about four entries, only the
// newest four are read; an entry larger than MaxBytes alone is still kept.
func (s *suite) testRetentionByBytes(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 1000)
	size := (&ssehub.Entry{Message: ssehub.Message{Broadcast: true, Data: data}}).Size()
	l, _ := s.newLog(t, ssehub.Retention{MaxBytes: int64(4*size + size/2)})
	var es []*ssehub.Entry
	for range 10 {
		es = append(es, mustAppend(t, l, &ssehub.Message{Broadcast: true, Data: data}))
	}
	head := es[9].Seq
	wantRead(t, l, es[5].Seq, head, es[6:])
	wantNotRetained(t, l, es[4].Seq, head)

	huge := mustAppend(t, l, &ssehub.Message{Broadcast: true, Data: bytes.Repeat([]byte("y"), 10*size)})
	wantRead(t, l, es[9].Seq, huge.Seq, []*ssehub.Entry{huge})
	wantNotRetained(t, l, es[8].Seq, huge.Seq)
}

// idempotent returns l as an IdempotentLog, or skips the test.
func idempotent(t *testing.T, l ssehub.Log) ssehub.IdempotentLog {
	t.Helper()
	il, ok := l.(ssehub.IdempotentLog)
	if !ok {
		t.Skip("not an IdempotentLog: Hub.PublishOnce refuses idempotency keys")
	}
	return il
}

// testAppendOnce: a key appends once; its repeat appends nothing and
// returns the first append's numbers (0 for the messages not appended);
// the key with another digest is refused; another key appends.
func (s *suite) testAppendOnce(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{})
	il := idempotent(t, l)
	ctx := context.Background()
	d1, d2 := [32]byte{1}, [32]byte{2}
	es, earlier, err := il.AppendOnce(ctx, "k1", d1, []*ssehub.Message{msg("a"), nil, msg("b")})
	if err != nil || earlier != nil || len(es) != 2 {
		t.Fatalf("first AppendOnce: %d entries, earlier %v, %v; want 2 entries", len(es), earlier, err)
	}
	if diff(&es[0].Message, msg("a")) != "" || diff(&es[1].Message, msg("b")) != "" || es[1].Seq != es[0].Seq+1 {
		t.Fatalf("first AppendOnce: entries %s, want a and b, consecutive", fmtSeqs(seqs(es)))
	}
	delivered := len(rec.entries)
	es2, earlier, err := il.AppendOnce(ctx, "k1", d1, []*ssehub.Message{msg("a"), nil, msg("b")})
	if err != nil || len(es2) != 0 || !slices.Equal(earlier, []uint64{es[0].Seq, 0, es[1].Seq}) {
		t.Fatalf("repeat: %d entries, earlier %v, %v; want none and [%d 0 %d]", len(es2), earlier, err, es[0].Seq, es[1].Seq)
	}
	if len(rec.entries) != delivered {
		t.Errorf("repeat delivered %d entries, want none", len(rec.entries)-delivered)
	}
	wantRead(t, l, es[1].Seq, es[1].Seq, nil)
	if _, _, err := il.AppendOnce(ctx, "k1", d2, []*ssehub.Message{msg("c")}); !errors.Is(err, ssehub.ErrKeyReused) {
		t.Errorf("k1 with another digest: %v, want ErrKeyReused", err)
	}
	es3, earlier, err := il.AppendOnce(ctx, "k2", d1, []*ssehub.Message{msg("c")})
	if err != nil || earlier != nil || len(es3) != 1 || es3[0].Seq != es[1].Seq+1 {
		t.Errorf("another key: %d entries, earlier %v, %v; want entry %d", len(es3), earlier, err, es[1].Seq+1)
	}
}

// testAppendOnceConcurrent: concurrent calls with one key append once.
func (s *suite) testAppendOnceConcurrent(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{})
	il := idempotent(t, l)
	var appended, repeats atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			es, earlier, err := il.AppendOnce(context.Background(), "same", [32]byte{7}, []*ssehub.Message{msg("once")})
			switch {
			case err != nil:
				t.Errorf("AppendOnce: %v", err)
			case len(es) == 1 && earlier == nil:
				appended.Add(1)
			case len(es) == 0 && len(earlier) == 1:
				repeats.Add(1)
			default:
				t.Errorf("AppendOnce: %d entries, earlier %v", len(es), earlier)
			}
		})
	}
	wg.Wait()
	if appended.Load() != 1 || repeats.Load() != 7 || len(rec.entries) != 1 {
		t.Errorf("8 concurrent calls with one key: %d appended, %d repeats, %d delivered; want 1, 7, 1", appended.Load(), repeats.Load(), len(rec.entries))
	}
}

// testAppendOnceWindow: a key is forgotten after the key window.
func (s *suite) testAppendOnceWindow(t *testing.T) {
	l, _ := s.newLog(t, ssehub.Retention{KeyWindow: 100 * time.Millisecond})
	il := idempotent(t, l)
	if _, _, err := il.AppendOnce(context.Background(), "k", [32]byte{1}, []*ssehub.Message{msg("a")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	es, earlier, err := il.AppendOnce(context.Background(), "k", [32]byte{2}, []*ssehub.Message{msg("b")})
	if err != nil || earlier != nil || len(es) != 1 {
		t.Errorf("the key after its window: %d entries, earlier %v, %v; want it to append again", len(es), earlier, err)
	}
}
