package ssehub

import (
	"slices"
	"sync/atomic"
	"time"
)

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
