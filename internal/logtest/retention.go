package logtest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

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
