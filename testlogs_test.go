package ssehub_test

import (
	"context"

	"sync/atomic"

	"github.com/ssehub/ssehub"
)

// Logs with injected faults, for the behaviours of the hub that today's real
// logs never call for: each wraps a real MemoryLog and changes one thing.

// stuckLog is a MemoryLog whose Appends hang, once stuck is closed... until
// release is closed: a hung fsync, a partitioned store.
type stuckLog struct {
	*ssehub.MemoryLog
	stuck   chan struct{} // closed: Appends from now on wait for release
	release chan struct{}
	waiting atomic.Int32 // Appends hanging now
}

func newStuckLog() *stuckLog {
	return &stuckLog{
		MemoryLog: ssehub.NewMemoryLog(ssehub.Retention{}),
		stuck:     make(chan struct{}),
		release:   make(chan struct{}),
	}
}

func (l *stuckLog) Append(ctx context.Context, m *ssehub.Message, ticket ssehub.Ticket) (*ssehub.Entry, error) {
	select {
	case <-l.stuck:
		l.waiting.Add(1)
		defer l.waiting.Add(-1)
		<-l.release
	default:
	}
	return l.MemoryLog.Append(ctx, m, ticket)
}

// gappyLog is a MemoryLog that, while losing is set, records entries but
// tells its listener they are skipped instead of delivering them, as a
// shared log does whose feed lost entries: they are in the log, and a
// stream resuming from before them reads them.
type gappyLog struct {
	*ssehub.MemoryLog
	losing atomic.Bool
}

func newGappyLog() *gappyLog {
	return &gappyLog{MemoryLog: ssehub.NewMemoryLog(ssehub.Retention{})}
}

func (l *gappyLog) Listen(fn ssehub.Listener) { l.MemoryLog.Listen(gappyListener{l, fn}) }

type gappyListener struct {
	log *gappyLog
	ssehub.Listener
}

func (g gappyListener) Deliver(e *ssehub.Entry, ticket ssehub.Ticket) {
	if g.log.losing.Load() {
		g.Listener.Skip(e.Seq)
		return
	}
	g.Listener.Deliver(e, ticket)
}

// copyingLog is a MemoryLog that hands its listener a copy of each entry
// (with its ticket), and returns yet another copy from Append: nothing about
// the values may be relied on beyond the contract.
type copyingLog struct {
	*ssehub.MemoryLog
}

func (l *copyingLog) Listen(fn ssehub.Listener) { l.MemoryLog.Listen(copyingListener{fn}) }

func (l *copyingLog) Append(ctx context.Context, m *ssehub.Message, ticket ssehub.Ticket) (*ssehub.Entry, error) {
	e, err := l.MemoryLog.Append(ctx, m, ticket)
	if err != nil {
		return nil, err
	}
	c := *e
	return &c, nil
}

type copyingListener struct{ ssehub.Listener }

func (c copyingListener) Deliver(e *ssehub.Entry, ticket ssehub.Ticket) {
	cp := *e
	c.Listener.Deliver(&cp, ticket)
}
