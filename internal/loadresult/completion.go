package loadresult

import (
	"math"
	"slices"
	"time"
)

// A broadcast's completion time is how long the hub took to reach every
// stream with it: from its publish to its last delivery over all streams.
// Deliveries/s and the latency percentiles mix the events; a slow node, or
// a slow path between nodes, shows in the completion of each one.

// EventTime is one event's publish time, the time of its last delivery and
// its deliveries, over one process's streams (or, merged, all processes').
type EventTime struct {
	Seq        uint64 `json:"seq"`
	SentNs     int64  `json:"sent_unix_ns"`
	LastNs     int64  `json:"last_delivery_unix_ns"`
	Deliveries uint64 `json:"deliveries"`
}

// CompletionOf sums up the events' completion times; streams is how many
// streams every event should have reached. The percentiles are exact (the
// rank ceil(q*n) of the sorted times): there are few events, and a run of
// one broadcast must report that broadcast's time. It returns nil when no
// event was delivered.
func CompletionOf(evs []EventTime, streams int) *Completion {
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

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
