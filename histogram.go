package ssehub

import (
	"sync/atomic"
	"time"
)

// NumLatencyBounds is how many bucket bounds the latency histograms have.
const NumLatencyBounds = 18

// latencyBounds spans what a publish costs on every store: about a
// microsecond in memory, a round trip to Redis, an fsync on a disk, and a
// store that hangs.
var latencyBounds = [NumLatencyBounds]time.Duration{
	10 * time.Microsecond, 25 * time.Microsecond, 50 * time.Microsecond,
	100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2500 * time.Millisecond, 5 * time.Second,
}

// LatencyBounds returns the upper bounds (inclusive) of the buckets of the
// latency histograms in Metrics, in increasing order. The buckets are fixed
// so that observing is a couple of atomic additions, with no lock and no
// allocation, whatever the rate.
func LatencyBounds() [NumLatencyBounds]time.Duration { return latencyBounds }

// A Histogram is a snapshot of a latency histogram.
type Histogram struct {
	// Counts holds the observations per bucket, not cumulative: Counts[i]
	// those above LatencyBounds()[i-1] and up to LatencyBounds()[i], the
	// last those above every bound.
	Counts [NumLatencyBounds + 1]uint64
	// Sum is the total of the observations.
	Sum time.Duration
}

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
	counts [NumLatencyBounds + 1]atomic.Uint64
}

func (h *latencyHistogram) observe(d time.Duration) {
	i := 0
	for i < NumLatencyBounds && d > latencyBounds[i] {
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
