package main

import (
	"sync/atomic"
	"time"

	"github.com/ssehub/ssehub/internal/loadresult"
)

// A broadcast's completion time is how long the hub took to reach every
// stream with it: from its publish to its last delivery over all streams.
// Deliveries/s and the latency percentiles mix the events; a slow node, or
// a slow path between nodes, shows in the completion of each one.

// maxTimedEvents bounds the events whose times a run keeps (24 bytes each).
const maxTimedEvents = 1 << 20

// eventTimes records, per event seq, its publish time (from its data), the
// time of its last delivery so far and how many deliveries it had. The
// streams update it concurrently.
type eventTimes struct {
	ev []eventTime
}

// eventTime is one event's times in Unix nanoseconds; sent is 0 until its
// first delivery.
type eventTime struct {
	sent, last atomic.Int64
	n          atomic.Uint64
}

// newEventTimes keeps the times of events 0..n-1, or returns nil when n is
// beyond maxTimedEvents.
func newEventTimes(n int) *eventTimes {
	if n <= 0 || n > maxTimedEvents {
		return nil
	}
	return &eventTimes{ev: make([]eventTime, n)}
}

// note records a delivery at now of event seq published at sent; seqs
// beyond the planned events are not timed.
func (e *eventTimes) note(seq uint64, sent, now int64) {
	if seq >= uint64(len(e.ev)) {
		return
	}
	t := &e.ev[seq]
	if t.sent.Load() == 0 {
		t.sent.Store(sent)
	}
	for l := t.last.Load(); now > l && !t.last.CompareAndSwap(l, now); l = t.last.Load() {
	}
	t.n.Add(1)
}

// firstSent is the earliest publish time of a delivered event, zero when
// none was: a listening process's start of the deliveries.
func (e *eventTimes) firstSent() time.Time { return loadresult.FirstSentOf(e.records()) }

// records returns the times of the delivered events, by seq; read it after
// the streams stopped.
func (e *eventTimes) records() []loadresult.EventTime {
	var out []loadresult.EventTime
	for i := range e.ev {
		t := &e.ev[i]
		if n := t.n.Load(); n > 0 {
			out = append(out, loadresult.EventTime{Seq: uint64(i), SentNs: t.sent.Load(), LastNs: t.last.Load(), Deliveries: n})
		}
	}
	return out
}
