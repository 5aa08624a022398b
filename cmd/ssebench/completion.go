package main

import (
	"math"
	"slices"
	"sync/atomic"
	"time"
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
func (e *eventTimes) firstSent() time.Time { return firstSentOf(e.records()) }

// records returns the times of the delivered events, by seq; read it after
// the streams stopped.
func (e *eventTimes) records() []EventTime {
	var out []EventTime
	for i := range e.ev {
		t := &e.ev[i]
		if n := t.n.Load(); n > 0 {
			out = append(out, EventTime{Seq: uint64(i), SentNs: t.sent.Load(), LastNs: t.last.Load(), Deliveries: n})
		}
	}
	return out
}

// EventTime is one event's publish time, the time of its last delivery and
// its deliveries, over one process's streams (or, merged, all processes').
type EventTime struct {
	Seq        uint64 `json:"seq"`
	SentNs     int64  `json:"sent_unix_ns"`
	LastNs     int64  `json:"last_delivery_unix_ns"`
	Deliveries uint64 `json:"deliveries"`
}

// completionOf sums up the events' completion times; streams is how many
// streams every event should have reached. The percentiles are exact (the
// rank ceil(q*n) of the sorted times): there are few events, and a run of
// one broadcast must report that broadcast's time. It returns nil when no
// event was delivered.
func completionOf(evs []EventTime, streams int) *Completion {
	if len(evs) == 0 {
		return nil
	}
	c := &Completion{Events: len(evs)}
	ds := make([]time.Duration, len(evs))
	for i, e := range evs {
		ds[i] = time.Duration(e.LastNs - e.SentNs)
		if e.Deliveries >= uint64(streams) {
			c.Complete++
		}
	}
	slices.Sort(ds)
	rank := func(q float64) time.Duration { return ds[max(int(math.Ceil(q*float64(len(ds))))-1, 0)] }
	c.P50Ms, c.P99Ms, c.MaxMs = ms(rank(0.5)), ms(rank(0.99)), ms(ds[len(ds)-1])
	return c
}

// Completion is the distribution, over the broadcasts, of the time from
// one's publish to its last delivery, in milliseconds.
type Completion struct {
	Events   int     `json:"events"`          // broadcasts delivered at least once
	Complete int     `json:"events_complete"` // those delivered to as many streams as connected
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
}
