package ssehub

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/ssehub/ssehub/internal/engine"
	"github.com/ssehub/ssehub/internal/storekit"
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
//
// The maps count by kind, keyed by label: the label values of package
// metrics' Prometheus metrics, each a small fixed set that never carries a
// client id or a topic. Every label of its set is in the map, counted zero
// or not, so ranging over a map gives the whole set; each field's comment
// lists its labels.
type Metrics struct {
	// Streams are the streams open now, by how they are served: from the
	// moment a stream is admitted to the moment it is closed. Labels:
	// "http1_takeover" (HTTP/1.x taken over from net/http, written by the
	// writer pool), "http1_handler" (HTTP/1.x on net/http's handler
	// goroutine: Config.KeepHandler, or a connection that cannot be taken
	// over), "http2" (HTTP/2 or later), "mercure" (a Mercure subscription:
	// a Subscription with Selectors, whatever its HTTP version, counted
	// there and not under the others).
	Streams map[string]int64
	// Clients is how many distinct client ids have a stream open.
	Clients int
	// Opened counts the streams opened, by protocol (the labels of
	// Streams).
	Opened map[string]uint64
	// Closed counts the streams that ended, by the first reason decided (a
	// stream asked to finish for Shutdown whose client then hangs up ended
	// for Shutdown). Labels: "client_gone" (the client hung up, or a write
	// to it failed), "overflow" (too slow: its queue would have exceeded
	// Config.QueueBytes), "write_timeout" (too slow: a write took longer
	// than Config.WriteTimeout), "shutdown" (Hub.Shutdown), "kicked"
	// (Hub.Kick, here or on another node of a Cluster), "expired" (its
	// Subscription expired), "log_skip" (the log lost continuity, see
	// Listener.Skip), "replay_failed" (reading the log for its replay
	// failed).
	Closed map[string]uint64
	// Refused counts the streams refused before they opened, by why, with
	// the status ServeHTTP answers: "hub_full" (503, Limits.MaxStreams),
	// "client_limit" (429, Limits.MaxStreamsPerClient, on every node with
	// a Cluster), "address_limit" (429, Limits.MaxStreamsPerAddress),
	// "unauthorized" (401: no valid credentials, or they predate a Kick),
	// "forbidden" (403: the credentials do not allow what was asked),
	// "invalid" (400: a query or subscription that cannot be served).
	Refused map[string]uint64

	// Published counts the messages published through this hub (Publish,
	// PublishBatch, PublishOnce; a repeated PublishOnce publishes nothing)
	// and recorded in the log, by target kind; PublishedEphemeral the
	// ephemeral ones. Events other nodes publish to a shared log are not
	// counted here, but their deliveries are. Labels: "broadcast"
	// (everyone, whatever else the message names), "client" (client ids
	// only), "topic" (topics only), "mixed" (client ids and topics).
	Published          map[string]uint64
	PublishedEphemeral map[string]uint64
	// Deliveries counts the events queued for a stream: one per stream an
	// event reached, whoever published it.
	Deliveries uint64
	// Replayed counts the events written to resuming streams from the log.
	Replayed uint64
	// Resets counts the reset events sent to streams whose Last-Event-ID
	// could not be resumed, by the reason the event gives (see
	// ResetEventType): "expired", "unknown".
	Resets map[string]uint64
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
	m := Metrics{
		Streams:            byLabel(n.Open[:], engine.Protocol.String),
		Opened:             byLabel(n.Opened[:], engine.Protocol.String),
		Closed:             byLabel(n.Closed[:], engine.CloseReason.String),
		Refused:            byLabel(loadAll(c.refused[:]), refusalReason.String),
		Published:          byLabel(loadAll(c.published[:]), storekit.TargetKind.String),
		PublishedEphemeral: byLabel(loadAll(c.ephemeral[:]), storekit.TargetKind.String),
		Resets:             byLabel(loadAll(c.resets[:]), resetReason.String),
		Deliveries:         n.Deliveries,
	}
	m.Replayed = c.replayed.Load()
	m.Skips = c.skips.Load()
	m.PublishLatency = c.publishLatency.snapshot()
	m.AppendLatency = c.appendLatency.snapshot()
	m.AppendErrors = c.appendErrors.Load()
	m.Clients, m.QueuedBytes = h.engine.Occupancy()
	return m
}

// byLabel returns the counts of a kind, indexed by its values, keyed by
// their labels instead.
func byLabel[K ~uint8, V int64 | uint64](counts []V, label func(K) string) map[string]V {
	m := make(map[string]V, len(counts))
	for i, v := range counts {
		m[label(K(i))] = v
	}
	return m
}

// loadAll reads counters.
func loadAll(counters []atomic.Uint64) []uint64 {
	n := make([]uint64, len(counters))
	for i := range counters {
		n[i] = counters[i].Load()
	}
	return n
}

// numLatencyBounds is how many bucket bounds the latency histograms have.
const numLatencyBounds = 18

// latencyBounds spans what a publish costs on every store: about a
// microsecond in memory, a round trip to Redis, an fsync on a disk, and a
// store that hangs.
var latencyBounds = [numLatencyBounds]time.Duration{
	10 * time.Microsecond, 25 * time.Microsecond, 50 * time.Microsecond,
	100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2500 * time.Millisecond, 5 * time.Second,
}

// A Histogram is a snapshot of a latency histogram of Metrics. Its buckets
// are fixed (see Bounds) so that observing is a couple of atomic additions,
// with no lock and no allocation, whatever the rate.
type Histogram struct {
	// Counts holds the observations per bucket, not cumulative: Counts[i]
	// those above Bounds()[i-1] and up to Bounds()[i], the last those
	// above every bound.
	Counts [numLatencyBounds + 1]uint64
	// Sum is the total of the observations.
	Sum time.Duration
}

// Bounds returns the upper bounds (inclusive) of the histogram's buckets
// but the last, in increasing order: 10 µs to 5 s. Every Histogram has
// the same.
func (h Histogram) Bounds() []time.Duration { return slices.Clone(latencyBounds[:]) }

// Count returns how many observations the histogram holds.
func (h Histogram) Count() uint64 {
	var n uint64
	for _, c := range h.Counts {
		n += c
	}
	return n
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

// latencyHistogram is a histogram observed concurrently without a lock:
// one counter per bucket and the sum. A snapshot taken while observations
// go on may count one of them in a bucket and not yet in the sum; nothing
// is ever lost.
type latencyHistogram struct {
	sum    atomic.Int64 // nanoseconds; first, to share a cache line with the fast buckets
	counts [numLatencyBounds + 1]atomic.Uint64
}

func (h *latencyHistogram) observe(d time.Duration) {
	i := 0
	for i < numLatencyBounds && d > latencyBounds[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sum.Add(int64(d))
}

func (h *latencyHistogram) snapshot() Histogram {
	var s Histogram
	for i := range h.counts {
		s.Counts[i] = h.counts[i].Load()
	}
	s.Sum = time.Duration(h.sum.Load())
	return s
}

// clockStart is the origin of monotonic readings: time.Since(clockStart) reads
// one clock where time.Now reads two (wall and monotonic), and timing a
// publish takes a few readings.
var clockStart = time.Now()

// monotonic returns the time elapsed since clockStart, to subtract from
// another reading.
func monotonic() time.Duration { return time.Since(clockStart) }
