package logtest

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

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
			e, err := l.Append(context.Background(), msg("during read"), 0)
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
