package engine

import "sync/atomic"

// Counts is what an engine has counted since it started.
type Counts struct {
	Open       [NumProtocols]int64  // streams open now: from NewStream to Close
	Opened     [NumProtocols]uint64 // streams opened
	Closed     [NumCloseReasons]uint64
	Deliveries uint64 // events queued for a stream: one per stream an event reached
}

// Counts returns a snapshot of the engine's counters.
func (e *Engine) Counts() Counts {
	c := &e.tally
	var n Counts
	for p := range NumProtocols {
		n.Open[p] = c.open[p].Load()
		n.Opened[p] = c.opened[p].Load()
	}
	for r := range NumCloseReasons {
		n.Closed[r] = c.closed[r].Load()
	}
	n.Deliveries = c.deliveries.Load()
	return n
}

// Closed returns how many streams closed for why.
func (e *Engine) Closed(why CloseReason) uint64 { return e.tally.closed[why].Load() }

// counters is what an engine counts as it goes: an atomic addition per
// stream opened or closed and per event's fan-out, never per delivery.
type counters struct {
	open       [NumProtocols]atomic.Int64
	opened     [NumProtocols]atomic.Uint64
	closed     [NumCloseReasons]atomic.Uint64
	deliveries atomic.Uint64
}

func (c *counters) streamOpened(p Protocol) {
	c.opened[p].Add(1)
	c.open[p].Add(1)
}

func (c *counters) streamClosed(p Protocol, why CloseReason) {
	c.closed[why].Add(1)
	c.open[p].Add(-1)
}

// delivered counts one event's fan-out to n streams: one addition per
// event, whatever n (and none for an event no stream here takes).
func (c *counters) delivered(n int) {
	if n > 0 {
		c.deliveries.Add(uint64(n))
	}
}
