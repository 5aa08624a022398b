package logtest

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ssehub/ssehub"
)

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
	// tickets records the Ticket Deliver got with each entry, for the tests
	// that check it; guarded by mu.
	tickets map[uint64]ssehub.Ticket

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
func (r *recorder) Deliver(e *ssehub.Entry, ticket ssehub.Ticket) {
	if !r.busy.CompareAndSwap(false, true) {
		r.fail("listener called for entry %d while another call was running", e.Seq)
	}
	r.begun.Store(e.Seq)
	if r.hook != nil {
		r.hook(e)
	}
	r.mu.Lock()
	if r.tickets == nil {
		r.tickets = make(map[uint64]ssehub.Ticket)
	}
	r.tickets[e.Seq] = ticket
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

// ticket returns the Ticket Deliver got with entry seq, and whether entry
// seq was delivered.
func (r *recorder) ticket(seq uint64) (ssehub.Ticket, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ticket, ok := r.tickets[seq]
	return ticket, ok
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
