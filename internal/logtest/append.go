package logtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/ssehub/ssehub"
)

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
				e, err := l.Append(context.Background(), m, 0)
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

	all := checkConcurrentEntries(t, rec, before, results, goroutines*perG)
	wantRead(t, l, before, all[len(all)-1].Seq, all)
}

// checkConcurrentEntries checks that the entries the concurrent Appends
// returned are numbered once each, consecutively from the listener's first,
// and are what the listener got, and returns them in order.
func checkConcurrentEntries(t *testing.T, rec *recorder, before uint64, results [][]*ssehub.Entry, total int) []*ssehub.Entry {
	t.Helper()
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
	for seq := first; seq < first+uint64(total); seq++ {
		if bySeq[seq] == nil {
			t.Fatalf("Appends returned %d entries from %d, but none numbered %d", len(bySeq), first, seq)
		}
	}
	if len(rec.entries) != total {
		t.Fatalf("listener got %d entries, want %d", len(rec.entries), total)
	}
	for _, e := range rec.entries {
		if d := diff(&e.Message, &bySeq[e.Seq].Message); d != "" {
			t.Errorf("listener entry %d: %s", e.Seq, d)
		}
	}
	all := make([]*ssehub.Entry, 0, len(bySeq))
	for seq := first; seq < first+uint64(total); seq++ {
		all = append(all, bySeq[seq])
	}
	return all
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
	e, err := l.Append(context.Background(), msg("after close"), 0)
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
	batch, err := bl.AppendBatch(context.Background(), msgs, nil)
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
