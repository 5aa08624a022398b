package ssehub

import (
	"testing"
	"time"
)

// An observation goes to the first bucket whose bound it does not exceed
// (bounds are inclusive), one above every bound to the last; the sum adds
// them all.
func TestHistogramBuckets(t *testing.T) {
	var h latencyHistogram
	for _, d := range []time.Duration{0, 10 * time.Microsecond, 10*time.Microsecond + 1, time.Second, time.Minute} {
		h.observe(d)
	}
	s := h.snapshot()
	want := map[int]uint64{0: 2, 1: 1, 15: 1, numLatencyBounds: 1}
	for i, n := range s.Counts {
		if n != want[i] {
			t.Errorf("bucket %d (up to %v): %d observations, want %d", i, bound(i), n, want[i])
		}
	}
	if wantSum := 20*time.Microsecond + 1 + time.Second + time.Minute; s.Sum != wantSum || s.Count() != 5 {
		t.Errorf("sum %v, count %d; want %v and 5", s.Sum, s.Count(), wantSum)
	}
}

func bound(i int) any {
	if i < numLatencyBounds {
		return latencyBounds[i]
	}
	return "+Inf"
}

// Observing allocates nothing: it runs on every publish.
func TestHistogramObserveAllocatesNothing(t *testing.T) {
	var h latencyHistogram
	if n := testing.AllocsPerRun(1000, func() { h.observe(monotonic()) }); n != 0 {
		t.Errorf("observe allocates %v times", n)
	}
}
