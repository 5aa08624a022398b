package logtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
)

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
	e, err := l.Append(context.Background(), m, 0)
	if err != nil {
		t.Fatalf("Append %q: %v", m.Data, err)
	}
	if e == nil {
		t.Fatalf("Append %q returned a nil entry and no error", m.Data)
	}
	return e
}

// appendSome appends msgs with their tickets (none if tickets is nil), as one
// batch if l is a BatchLog (several entries then reach the listener from
// one call), else one by one.
func appendSome(l ssehub.Log, msgs []*ssehub.Message, tickets []ssehub.Ticket) ([]*ssehub.Entry, error) {
	if bl, ok := l.(ssehub.BatchLog); ok {
		return bl.AppendBatch(context.Background(), msgs, tickets)
	}
	var es []*ssehub.Entry
	for i, m := range msgs {
		var ticket ssehub.Ticket
		if tickets != nil {
			ticket = tickets[i]
		}
		e, err := l.Append(context.Background(), m, ticket)
		if err != nil {
			return es, err
		}
		es = append(es, e)
	}
	return es, nil
}

func mustAppendSome(t *testing.T, l ssehub.Log, msgs []*ssehub.Message) []*ssehub.Entry {
	t.Helper()
	es, err := appendSome(l, msgs, nil)
	if err != nil {
		t.Fatalf("appending %d messages: %v", len(msgs), err)
	}
	return es
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
	if got.EventID != want.EventID {
		d = append(d, fmt.Sprintf("EventID = %q, want %q", got.EventID, want.EventID))
	}
	if got.Private != want.Private {
		d = append(d, fmt.Sprintf("Private = %v, want %v", got.Private, want.Private))
	}
	if got.Retry != want.Retry {
		d = append(d, fmt.Sprintf("Retry = %v, want %v", got.Retry, want.Retry))
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
