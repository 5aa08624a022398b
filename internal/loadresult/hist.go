package loadresult

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// A log-linear histogram of durations in nanoseconds: values below 2^subBits
// have a bucket each; above, every power of two is split into 2^subBits
// buckets, so a bucket's width is at most 1/64 of its values and a reported
// percentile (the bucket's midpoint) is within 0.8% of the true one.
const (
	subBits  = 6
	subCount = 1 << subBits
	nBuckets = (64-subBits)*subCount + subCount
)

// bucketOf returns the bucket index of v.
func bucketOf(v uint64) int {
	if v < subCount {
		return int(v)
	}
	l := bits.Len64(v) // > subBits
	shift := l - subBits - 1
	return (l-subBits)*subCount + int(v>>shift) - subCount
}

// bucketRange returns the smallest value of bucket i and the bucket's width.
func bucketRange(i int) (low, width uint64) {
	if i < subCount {
		return uint64(i), 1
	}
	l := i/subCount + subBits // bit length of the bucket's values
	shift := l - subBits - 1
	m := uint64(i%subCount + subCount)
	return m << shift, 1 << shift
}

// Histogram records durations from many goroutines at once.
type Histogram struct {
	counts [nBuckets]atomic.Uint64
	max    atomic.Uint64
}

// Record adds one duration; negative ones (clock steps) count as 0.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucketOf(v)].Add(1)
	for m := h.max.Load(); v > m && !h.max.CompareAndSwap(m, v); m = h.max.Load() {
	}
}

// Snapshot copies the counts recorded so far.
func (h *Histogram) Snapshot() *Dist {
	d := &Dist{counts: make([]uint64, nBuckets), max: h.max.Load()}
	for i := range h.counts {
		c := h.counts[i].Load()
		d.counts[i] = c
		d.total += c
	}
	return d
}

// Dist is a snapshot of a Histogram, or the merge of several.
type Dist struct {
	counts []uint64
	total  uint64
	max    uint64
}

// Count returns the number of recorded values.
func (d *Dist) Count() uint64 { return d.total }

// Max returns the largest recorded value.
func (d *Dist) Max() time.Duration { return time.Duration(d.max) }

// Merge adds the counts of o to d.
func (d *Dist) Merge(o *Dist) {
	if d.counts == nil {
		d.counts = make([]uint64, nBuckets)
	}
	for i, c := range o.counts {
		d.counts[i] += c
	}
	d.total += o.total
	d.max = max(d.max, o.max)
}

// Quantile returns the value below which a fraction q of the recorded values
// lie (the value of rank ceil(q*count)), to within the bucket width; 0 when
// nothing was recorded. It never exceeds Max.
func (d *Dist) Quantile(q float64) time.Duration {
	if d.total == 0 {
		return 0
	}
	rank := uint64(q * float64(d.total))
	if float64(rank) < q*float64(d.total) {
		rank++
	}
	rank = min(max(rank, 1), d.total)
	var seen uint64
	for i, c := range d.counts {
		seen += c
		if seen >= rank {
			low, width := bucketRange(i)
			return time.Duration(min(low+width/2, d.max))
		}
	}
	return time.Duration(d.max)
}
