package loadresult

import "time"

// Percentiles of several processes cannot be combined from their values:
// -mergeable keeps in the JSON result what -merge needs to compute them
// over all the processes' streams, the latency histograms' counts and each
// broadcast's times.

// RawFigures is what -merge combines.
type RawFigures struct {
	Latency      *HistFigures `json:"latency,omitempty"`
	LatencySame  *HistFigures `json:"latency_same_node,omitempty"`
	LatencyOther *HistFigures `json:"latency_other_node,omitempty"`
	Events       []EventTime  `json:"events,omitempty"` // fanout: the delivered broadcasts, by seq
}

// HistFigures is a Dist: its largest value and its nonzero buckets.
type HistFigures struct {
	MaxNs   uint64      `json:"max_ns"`
	Buckets [][2]uint64 `json:"buckets"` // [bucket index, count]
}

// HistFiguresOf returns d's figures, nil when it is empty.
func HistFiguresOf(d *Dist) *HistFigures {
	if d.Count() == 0 {
		return nil
	}
	h := &HistFigures{MaxNs: d.max, Buckets: [][2]uint64{}}
	for i, c := range d.counts {
		if c > 0 {
			h.Buckets = append(h.Buckets, [2]uint64{uint64(i), c})
		}
	}
	return h
}

// addTo merges h into d; buckets outside the histogram are ignored (a
// result written by another version of the tool).
func (h *HistFigures) addTo(d *Dist) {
	if h == nil {
		return
	}
	if d.counts == nil {
		d.counts = make([]uint64, nBuckets)
	}
	for _, b := range h.Buckets {
		if b[0] < nBuckets {
			d.counts[b[0]] += b[1]
			d.total += b[1]
		}
	}
	d.max = max(d.max, h.MaxNs)
}

// MergeEvents combines the broadcasts' times of several processes: each
// event's first publish time, latest delivery and deliveries summed.
func MergeEvents(lists ...[]EventTime) []EventTime {
	bySeq := map[uint64]*EventTime{}
	var order []uint64
	for _, l := range lists {
		for _, e := range l {
			m, ok := bySeq[e.Seq]
			if !ok {
				c := e
				bySeq[e.Seq], order = &c, append(order, e.Seq)
				continue
			}
			m.LastNs = max(m.LastNs, e.LastNs)
			m.Deliveries += e.Deliveries
			if m.SentNs == 0 || (e.SentNs != 0 && e.SentNs < m.SentNs) {
				m.SentNs = e.SentNs
			}
		}
	}
	out := make([]EventTime, 0, len(order))
	for _, seq := range order {
		out = append(out, *bySeq[seq])
	}
	return out
}

// FirstSentOf is the earliest publish time among evs, zero for none.
func FirstSentOf(evs []EventTime) time.Time {
	var first int64
	for _, e := range evs {
		if e.SentNs != 0 && (first == 0 || e.SentNs < first) {
			first = e.SentNs
		}
	}
	if first == 0 {
		return time.Time{}
	}
	return time.Unix(0, first)
}
