package logtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

// testDeliverTicket: Deliver hands back the Ticket given with each message
// to Append, AppendBatch or AppendOnce (the hub finds its publisher's
// state by it), zero for a message given none; the same *Message appended
// twice with two tickets gets each (a log passes no pointer back).
func (s *suite) testDeliverTicket(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{})
	m := msg("twice")
	wantTickets(t, rec, "Append", []*ssehub.Entry{mustAppendTicket(t, l, m, 11)}, []ssehub.Ticket{11})
	wantTickets(t, rec, "Append of the same *Message", []*ssehub.Entry{mustAppendTicket(t, l, m, 12)}, []ssehub.Ticket{12})
	wantTickets(t, rec, "Append without a ticket", []*ssehub.Entry{mustAppend(t, l, msg("none"))}, []ssehub.Ticket{0})
	batch := []*ssehub.Message{msg("b0"), msg("b1"), msg("b2")}
	tickets := []ssehub.Ticket{21, 1 << 63, 23}
	es, err := appendSome(l, batch, tickets)
	if err != nil {
		t.Fatalf("appending a batch: %v", err)
	}
	wantTickets(t, rec, "a batch", es, tickets)
	if es, err = appendSome(l, batch, nil); err != nil {
		t.Fatalf("appending a batch without tickets: %v", err)
	}
	wantTickets(t, rec, "a batch without tickets", es, []ssehub.Ticket{0, 0, 0})
	if il, ok := l.(ssehub.IdempotentLog); ok {
		once := []*ssehub.Message{msg("o0"), nil, msg("o2")}
		es, _, err := il.AppendOnce(context.Background(), "tickets", [32]byte{3}, once, []ssehub.Ticket{31, 32, 33})
		if err != nil {
			t.Fatalf("AppendOnce: %v", err)
		}
		wantTickets(t, rec, "AppendOnce of [o0 nil o2]", es, []ssehub.Ticket{31, 33})
	}
}

func mustAppendTicket(t *testing.T, l ssehub.Log, m *ssehub.Message, ticket ssehub.Ticket) *ssehub.Entry {
	t.Helper()
	e, err := l.Append(context.Background(), m, ticket)
	if err != nil {
		t.Fatalf("Append %q with ticket %d: %v", m.Data, ticket, err)
	}
	return e
}

// wantTickets checks that the listener got each of es, once its append
// returned, with the ticket in want.
func wantTickets(t *testing.T, rec *recorder, what string, es []*ssehub.Entry, want []ssehub.Ticket) {
	t.Helper()
	if len(es) != len(want) {
		t.Fatalf("%s returned %d entries, want %d", what, len(es), len(want))
	}
	for i, e := range es {
		switch got, ok := rec.ticket(e.Seq); {
		case !ok:
			t.Errorf("%s: entry %d was not delivered before the append returned", what, e.Seq)
		case got != want[i]:
			t.Errorf("%s: Deliver(entry %d) got ticket %d, want %d (the one given with message %d)", what, e.Seq, got, want[i], i)
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
		es, err := appendSome(l, []*ssehub.Message{msg("b0"), msg("b1"), msg("b2")}, nil)
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
	head, err := readWhileBlocked(t, l, before[1].Seq, release)
	select {
	case <-appended:
	case <-time.After(5 * time.Second):
		t.Fatal("AppendBatch did not return within 5s of the listener's release")
	}
	if err != nil {
		t.Fatalf("ReadAfter during a delivery: %v", err)
	}
	if head < inProgress {
		t.Errorf("ReadAfter during the delivery of entry %d reported head %d: an entry whose Deliver has begun must be within the head", inProgress, head)
	}
}

// readWhileBlocked calls ReadAfter(after) while the listener is blocked,
// closes release once the read returned or has waited a while (a log whose
// reads wait for its listener), and returns the read's head and error.
func readWhileBlocked(t *testing.T, l ssehub.Log, after uint64, release chan struct{}) (uint64, error) {
	t.Helper()
	type result struct {
		head uint64
		err  error
	}
	read := make(chan result, 1)
	go func() {
		head, err := l.ReadAfter(context.Background(), after, nil, func(*ssehub.Entry) error { return nil })
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
	return r.head, r.err
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
					_, err = appendSome(l, []*ssehub.Message{m, msg("batch"), msg("batch")}, nil)
				} else {
					_, err = l.Append(context.Background(), m, 0)
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
		reading.Go(func() { resumeUntil(t, l, rec, start, done) })
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("appends did not finish within 30s")
	}
	reading.Wait()
}

// resumeUntil reads as a resuming stream does, from start and then from
// each head it got (or a little behind it), until done is closed: each
// read's head covers the entry whose delivery had begun before it, and it
// reads exactly the entries after its position.
func resumeUntil(t *testing.T, l ssehub.Log, rec *recorder, start uint64, done <-chan struct{}) {
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
}
