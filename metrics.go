package ssehub

import (
	"sync/atomic"
	"time"
)

// Metrics is a snapshot of what a hub has counted since it started, for a
// monitoring system (package metrics exports it to Prometheus). Everything
// is of this node alone: with a Cluster, add up the nodes' figures.
//
// Counting costs the paths it counts no lock and no allocation: an atomic
// addition per stream opened or closed, per publish call and per event's
// fan-out (never per delivery), and two clock readings per publish once
// the latencies are kept (see Hub.Metrics). What is
// a state rather than an event (clients, queued bytes) is read from the
// registry when Metrics is called, at a cost that grows with the open
// streams (2-3 ms per 100,000).
type Metrics struct {
	// Streams are the streams open now, by how they are served: from the
	// moment a stream is admitted to the moment it is closed.
	Streams [numProtocols]int64
	// Clients is how many distinct client ids have a stream open.
	Clients int
	// Opened counts the streams opened, by protocol.
	Opened [numProtocols]uint64
	// Closed counts the streams that ended, by the first reason decided.
	Closed [numCloseReasons]uint64
	// Refused counts the streams refused before they opened.
	Refused [numRefusalReasons]uint64

	// Published counts the messages published through this hub (Publish,
	// PublishBatch, PublishOnce; a repeated PublishOnce publishes nothing)
	// and recorded in the log, by target kind; PublishedEphemeral the
	// ephemeral ones. Events other nodes publish to a shared log are not
	// counted here, but their deliveries are.
	Published          [numTargetKinds]uint64
	PublishedEphemeral [numTargetKinds]uint64
	// Deliveries counts the events queued for a stream: one per stream an
	// event reached, whoever published it.
	Deliveries uint64
	// Replayed counts the events written to resuming streams from the log.
	Replayed uint64
	// Resets counts the reset events sent to streams whose Last-Event-ID
	// could not be resumed.
	Resets [numResetReasons]uint64
	// Skips counts the times the log lost continuity and every stream was
	// ended (see Listener.Skip).
	Skips uint64
	// QueuedBytes is what the streams have queued and not yet written now:
	// what slow clients and bursts hold in memory (frames are shared, so the
	// memory held is at most this).
	QueuedBytes int64

	// PublishLatency observes Publish, PublishBatch and PublishOnce from
	// their admission (validated, before Shutdown: the append begins) to
	// their return, failed or not; a batch is one observation. Validation
	// is left out: it is the caller's own CPU time, and one more clock
	// reading would cost a twentieth of an in-memory publish. Both
	// histograms observe from the first call of Metrics on.
	PublishLatency Histogram
	// AppendLatency observes each call to the log's Append, AppendBatch or
	// AppendOnce; on every store it includes the local fan-out, which the
	// log runs before the call returns.
	AppendLatency Histogram
	// AppendErrors counts the log's appends that failed.
	AppendErrors uint64
}

// Metrics returns a snapshot of the hub's counters. It is safe to call
// concurrently with everything else, and meant for every few seconds, not
// for every event.
//
// The first call also starts the latency histograms (PublishLatency,
// AppendLatency): they observe the publishes from then on. Timing a
// publish takes two clock readings, which cost as much as a tenth of an
// in-memory publish; a hub whose figures nobody asks for reads none.
// metrics.NewCollector calls Metrics at once, so a server's histograms
// count every publish it serves.
func (h *Hub) Metrics() Metrics {
	c := &h.tally
	if !c.timing.Load() {
		c.timing.Store(true)
	}
	n := h.engine.Counts()
	m := Metrics{Streams: n.Open, Opened: n.Opened, Closed: n.Closed, Deliveries: n.Deliveries}
	for r := range numRefusalReasons {
		m.Refused[r] = c.refused[r].Load()
	}
	for k := range numTargetKinds {
		m.Published[k] = c.published[k].Load()
		m.PublishedEphemeral[k] = c.ephemeral[k].Load()
	}
	for r := range numResetReasons {
		m.Resets[r] = c.resets[r].Load()
	}
	m.Replayed = c.replayed.Load()
	m.Skips = c.skips.Load()
	m.PublishLatency = c.publishLatency.snapshot()
	m.AppendLatency = c.appendLatency.snapshot()
	m.AppendErrors = c.appendErrors.Load()
	m.Clients, m.QueuedBytes = h.engine.Occupancy()
	return m
}

// counters is what a hub counts as it goes, for Metrics and Stats; the
// engine counts the streams and their deliveries (engine.Counts).
type counters struct {
	refused   [numRefusalReasons]atomic.Uint64
	published [numTargetKinds]atomic.Uint64
	ephemeral [numTargetKinds]atomic.Uint64
	replayed  atomic.Uint64
	resets    [numResetReasons]atomic.Uint64
	skips     atomic.Uint64

	timing         atomic.Bool // the latencies are kept: Metrics was called
	publishLatency latencyHistogram
	appendLatency  latencyHistogram
	appendErrors   atomic.Uint64
}

// publishedOne counts a message published.
func (c *counters) publishedOne(m *Message) {
	if m.Ephemeral {
		c.ephemeral[kindOf(m)].Add(1)
	} else {
		c.published[kindOf(m)].Add(1)
	}
}

// A stopwatch times a publish and its append when the hub keeps
// latencies (see Hub.Metrics), and reads no clock when it does not.
type stopwatch struct {
	c        *counters
	on       bool
	start    time.Duration // monotonic readings
	appended time.Duration
}

// stopwatch starts timing now.
func (c *counters) stopwatch() stopwatch {
	w := stopwatch{c: c, on: c.timing.Load()}
	if w.on {
		w.start = monotonic()
	}
	return w
}

// appendDone records the end of the log's append: its latency, and its
// failure.
func (w *stopwatch) appendDone(err error) {
	if err != nil {
		w.c.appendErrors.Add(1)
	}
	if w.on {
		w.appended = monotonic()
		w.c.appendLatency.observe(w.appended - w.start)
	}
}

// publishDone records the end of the publish. Unless the publisher did
// more after its append (wrote to streams itself, say), the append's end
// is the publish's, as far as a clock can tell, and no clock is read.
func (w *stopwatch) publishDone(more bool) {
	if !w.on {
		return
	}
	end := w.appended
	if more || end == 0 {
		end = monotonic()
	}
	w.c.publishLatency.observe(end - w.start)
}
