package loadresult

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestBucketRanges(t *testing.T) {
	prev := -1
	check := func(v uint64) {
		i := bucketOf(v)
		if i < 0 || i >= nBuckets {
			t.Fatalf("bucketOf(%d) = %d, out of range", v, i)
		}
		low, width := bucketRange(i)
		if v < low || v-low >= width {
			t.Fatalf("value %d in bucket %d = [%d, %d+%d)", v, i, low, low, width)
		}
		if width > 1 && float64(width)/float64(low) > 1.0/subCount+1e-12 {
			t.Fatalf("bucket %d: width %d too wide for low %d", i, width, low)
		}
	}
	for v := uint64(0); v < 5000; v++ {
		check(v)
		if i := bucketOf(v); i < prev {
			t.Fatalf("bucketOf not monotonic at %d", v)
		} else {
			prev = i
		}
	}
	for s := 0; s < 64; s++ {
		for _, d := range []uint64{0, 1, 2, 3} {
			v := uint64(1)<<s + d
			check(v)
			check(v - 1)
		}
	}
	check(math.MaxUint64)
}

func TestQuantiles(t *testing.T) {
	var h Histogram
	// 1..100000 microseconds, shuffled.
	vals := rand.New(rand.NewPCG(1, 2)).Perm(100000)
	for _, v := range vals {
		h.Record(time.Duration(v+1) * time.Microsecond)
	}
	d := h.Snapshot()
	if d.Count() != 100000 {
		t.Fatalf("count %d", d.Count())
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 50 * time.Millisecond},
		{0.99, 99 * time.Millisecond},
		{0.999, 99900 * time.Microsecond},
		{1, 100 * time.Millisecond},
	} {
		got := d.Quantile(c.q)
		if rel := math.Abs(float64(got-c.want)) / float64(c.want); rel > 0.01 {
			t.Errorf("Quantile(%v) = %v, want %v within 1%%", c.q, got, c.want)
		}
	}
	if d.Max() != 100*time.Millisecond {
		t.Errorf("Max = %v", d.Max())
	}
}

func TestQuantileSmallAndMerge(t *testing.T) {
	var a, b Histogram
	if got := a.Snapshot().Quantile(0.99); got != 0 {
		t.Fatalf("empty quantile %v", got)
	}
	a.Record(-5) // clock step: counted as 0
	a.Record(10)
	b.Record(3 * time.Second)
	var m Dist
	m.Merge(a.Snapshot())
	m.Merge(b.Snapshot())
	if m.Count() != 3 || m.Max() != 3*time.Second {
		t.Fatalf("merged count %d max %v", m.Count(), m.Max())
	}
	if got := m.Quantile(0.5); got != 10 {
		t.Errorf("median %v, want 10ns", got)
	}
	// The top quantile never exceeds the maximum even though the bucket is wide.
	if got := m.Quantile(1); got != 3*time.Second {
		t.Errorf("p100 %v, want 3s", got)
	}
	if got := m.Quantile(0.01); got != 0 {
		t.Errorf("p1 %v, want 0", got)
	}
}
