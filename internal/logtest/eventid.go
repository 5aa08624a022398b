package logtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

// RunEventIDLog runs the conformance subtests of what a Hub needs of a log
// for Mercure subscriptions: that it keeps the fields Mercure publishes
// (EventID, Private, Retry), that it is an ssehub.EventIDLog whose SeqOf
// finds the newest retained entry with an id and forgets ids with their
// entries, and that it is an ssehub.OldestLog (Last-Event-ID "earliest").
// open is as for Run. A log that is not an EventIDLog or not an OldestLog
// fails.
func RunEventIDLog(t *testing.T, open func(t *testing.T, r ssehub.Retention) ssehub.Log) {
	s := &suite{open: open}
	tests := []struct {
		name string
		fn   func(*testing.T)
	}{
		{"MercureFields", s.testMercureFields},
		{"SeqOfNewest", s.testSeqOfNewest},
		{"SeqOfUnknown", s.testSeqOfUnknown},
		{"SeqOfOddIDs", s.testSeqOfOddIDs},
		{"SeqOfAfterRetentionByCount", s.testSeqOfRetentionByCount},
		{"SeqOfAfterRetentionByAge", s.testSeqOfRetentionByAge},
		{"Oldest", s.testOldest},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.fn)
	}
}

// eventIDLog returns l as an EventIDLog, or fails.
func eventIDLog(t *testing.T, l ssehub.Log) ssehub.EventIDLog {
	t.Helper()
	el, ok := l.(ssehub.EventIDLog)
	if !ok {
		t.Fatalf("%T is not an ssehub.EventIDLog", l)
	}
	return el
}

// withID returns a topic message with EventID id.
func withID(id string) *ssehub.Message {
	return &ssehub.Message{Topics: []string{"t"}, EventID: id, Data: []byte("with id " + id)}
}

// wantSeqOf checks SeqOf(id): found at seq, or not found when seq is 0.
func wantSeqOf(t *testing.T, l ssehub.EventIDLog, id string, seq uint64) {
	t.Helper()
	got, found, err := l.SeqOf(context.Background(), id)
	switch {
	case err != nil:
		t.Fatalf("SeqOf(%q): %v", id, err)
	case seq == 0 && found:
		t.Fatalf("SeqOf(%q) found entry %d, want not found", id, got)
	case seq != 0 && (!found || got != seq):
		t.Fatalf("SeqOf(%q) = %d, %v, want %d, true", id, got, found, seq)
	}
}

// testMercureFields: EventID, Private and Retry come back as appended,
// from Append, the listener and ReadAfter, and an entry's id is its
// EventID.
func (s *suite) testMercureFields(t *testing.T) {
	msgs := []*ssehub.Message{
		{Topics: []string{"https://example.com/books/1"}, EventID: "urn:uuid:3f2a", Data: []byte("a")},
		{Topics: []string{"a", "b"}, Private: true, Data: []byte("private")},
		{Topics: []string{"t"}, Retry: 2500 * time.Millisecond, Data: []byte("retry")},
		{Topics: []string{"t"}, Clients: []string{"c"}, EventID: "x y ☃", Private: true, Retry: time.Millisecond, Type: "all"},
	}
	l, rec := s.newLog(t, ssehub.Retention{})
	before := emptyHead(t, l)
	var es []*ssehub.Entry
	for i, m := range msgs {
		in := *m
		e := mustAppend(t, l, &in)
		if d := diff(&e.Message, m); d != "" {
			t.Errorf("message %d: Append returned %s", i, d)
		}
		want := m.EventID
		if want == "" {
			want = fmt.Sprint(e.Seq)
		}
		if e.ID() != want {
			t.Errorf("message %d: ID() = %q, want %q", i, e.ID(), want)
		}
		es = append(es, e)
	}
	for i, e := range rec.entries {
		if d := diff(&e.Message, msgs[i]); d != "" {
			t.Errorf("message %d: listener got %s", i, d)
		}
	}
	wantRead(t, l, before, es[len(es)-1].Seq, es)
}

// testSeqOfNewest: SeqOf finds an entry by its EventID, the newest one
// when several have it, and reading after it reads exactly the later
// entries.
func (s *suite) testSeqOfNewest(t *testing.T) {
	l, _ := s.newLog(t, ssehub.Retention{})
	el := eventIDLog(t, l)
	a := mustAppend(t, l, withID("a"))
	b1 := mustAppend(t, l, withID("b"))
	plain := mustAppend(t, l, msg("no id"))
	b2 := mustAppend(t, l, withID("b"))
	c := mustAppend(t, l, withID("c"))
	wantSeqOf(t, el, "a", a.Seq)
	wantSeqOf(t, el, "b", b2.Seq)
	wantSeqOf(t, el, "c", c.Seq)
	wantRead(t, l, a.Seq, c.Seq, []*ssehub.Entry{b1, plain, b2, c})
	wantRead(t, l, b2.Seq, c.Seq, []*ssehub.Entry{c})
}

// testSeqOfUnknown: an id never appended is not found, without an error,
// on an empty log and on one with entries; so is the empty id, and an
// entry's sequence number when it was appended without an EventID (the
// hub then parses it).
func (s *suite) testSeqOfUnknown(t *testing.T) {
	l, _ := s.newLog(t, ssehub.Retention{})
	el := eventIDLog(t, l)
	wantSeqOf(t, el, "never", 0)
	e := mustAppend(t, l, msg("no id"))
	mustAppend(t, l, withID("x"))
	wantSeqOf(t, el, "never", 0)
	wantSeqOf(t, el, "", 0)
	wantSeqOf(t, el, fmt.Sprint(e.Seq), 0)
	wantSeqOf(t, el, "X", 0) // ids are compared exactly
}

// testSeqOfOddIDs: ids with spaces, unicode, colons and slashes, an id
// that looks like a number (another entry's sequence number, even), and one
// of the longest size, are each found, as they are.
func (s *suite) testSeqOfOddIDs(t *testing.T) {
	l, _ := s.newLog(t, ssehub.Retention{})
	el := eventIDLog(t, l)
	first := mustAppend(t, l, msg("no id"))
	ids := []string{
		"with spaces", " leading and trailing ", "ünïcødé ☃ 😀", "urn:uuid:0b6c5bd6-6d2a-4d6e-9f47-1f1a0c1d2e3f",
		"https://example.com/books/1?x=y#z", "12", fmt.Sprint(first.Seq), "0", "-1", "1e3",
		strings.Repeat("l", ssehub.MaxNameLen), "\t\x01",
	}
	seqs := make(map[string]uint64)
	for _, id := range ids {
		seqs[id] = mustAppend(t, l, withID(id)).Seq
	}
	for _, id := range ids {
		wantSeqOf(t, el, id, seqs[id])
	}
}

// testSeqOfRetentionByCount: an id goes with its entry when retention
// drops it; an id also carried by a retained entry is found there.
func (s *suite) testSeqOfRetentionByCount(t *testing.T) {
	l, _ := s.newLog(t, ssehub.Retention{MaxEntries: 3})
	el := eventIDLog(t, l)
	mustAppend(t, l, withID("gone"))
	mustAppend(t, l, withID("both"))
	mustAppend(t, l, withID("kept"))
	newer := mustAppend(t, l, withID("both"))
	mustAppend(t, l, withID("last")) // drops "gone", then the first "both"
	wantSeqOf(t, el, "gone", 0)
	wantSeqOf(t, el, "both", newer.Seq)
	for i := range 5 { // "kept" and the second "both" go too
		mustAppend(t, l, msg(fmt.Sprint("filler ", i)))
	}
	wantSeqOf(t, el, "kept", 0)
	wantSeqOf(t, el, "both", 0)
	wantSeqOf(t, el, "last", 0)
}

// testSeqOfRetentionByAge: ids expire with their entries.
func (s *suite) testSeqOfRetentionByAge(t *testing.T) {
	const maxAge = time.Second
	l, _ := s.newLog(t, ssehub.Retention{MaxAge: maxAge})
	el := eventIDLog(t, l)
	start := time.Now()
	old := mustAppend(t, l, withID("old"))
	if time.Since(start) < maxAge/2 {
		wantSeqOf(t, el, "old", old.Seq)
	}
	time.Sleep(maxAge + 100*time.Millisecond)
	wantSeqOf(t, el, "old", 0)
	young := mustAppend(t, l, withID("young"))
	wantSeqOf(t, el, "old", 0)
	if time.Since(start) < maxAge+maxAge/2 {
		wantSeqOf(t, el, "young", young.Seq)
	}
}

// testOldest: Oldest is the position before the oldest retained entry
// (the head on an empty log), and ReadAfter from it reads every retained
// entry, even for a subscription an entry dropped before it was for.
func (s *suite) testOldest(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{MaxEntries: 3})
	ol, ok := l.(ssehub.OldestLog)
	if !ok {
		t.Fatalf("%T is not an ssehub.OldestLog", l)
	}
	oldest := func() uint64 {
		t.Helper()
		seq, err := ol.Oldest(context.Background())
		if err != nil {
			t.Fatalf("Oldest: %v", err)
		}
		return seq
	}
	head := emptyHead(t, l)
	if got := oldest(); got != head {
		t.Fatalf("Oldest on an empty log = %d, want its head %d", got, head)
	}
	es := appendN(t, l, rec, "e", 2)
	if got := oldest(); got != es[0].Seq-1 {
		t.Fatalf("Oldest = %d, want %d (before the first entry)", got, es[0].Seq-1)
	}
	es = append(es, appendN(t, l, rec, "f", 3)...) // 5 appended, 3 retained
	if got := oldest(); got != es[1].Seq {
		t.Fatalf("Oldest after retention dropped 2 = %d, want %d", got, es[1].Seq)
	}
	wantRead(t, l, oldest(), es[4].Seq, es[2:])
	sub := &ssehub.Subscription{Client: "a"} // every entry is a broadcast: the dropped ones were for it too
	var got []uint64
	if _, err := l.ReadAfter(context.Background(), oldest(), sub, func(e *ssehub.Entry) error {
		got = append(got, e.Seq)
		return nil
	}); err != nil || len(got) != 3 {
		t.Fatalf("ReadAfter(Oldest) for a subscription: %v, %v; want the 3 retained entries", fmtSeqs(got), err)
	}
}
