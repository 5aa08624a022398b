package redis

import "sync/atomic"

// haCounters count what a Log saw of its Redis failing over; the feed
// writes them, FailoverStats reads them.
type haCounters struct {
	failovers, primaryChanges atomic.Uint64
	feedStalled, feedErrors   atomic.Uint64
}

// FailoverStats are the counters of a Log's life through Redis failovers,
// since it was opened. cmd/ssehub exports them as metrics (see
// metrics.RedisCounts).
type FailoverStats struct {
	// Failovers counts the times the feed lost its server (an error: the
	// connection refused or broken, READONLY, MOVED) and came back on
	// another: a Sentinel failover, or a cluster slot that moved.
	Failovers uint64
	// PrimaryChanges counts every change of the server the feed reads
	// from (the primary, or the master of the log's slot), whatever the
	// cause.
	PrimaryChanges uint64
	// FeedStalled counts the feed's connections re-established because
	// the feed stalled (see feedStall); FeedErrors, those re-established
	// after an error.
	FeedStalled, FeedErrors uint64
	// Counters of the acknowledgement by replicas (-redis-replicas) go
	// here, next to these.
}

// FailoverStats returns the Log's failover counters.
func (l *Log) FailoverStats() FailoverStats {
	return FailoverStats{
		Failovers:      l.ha.failovers.Load(),
		PrimaryChanges: l.ha.primaryChanges.Load(),
		FeedStalled:    l.ha.feedStalled.Load(),
		FeedErrors:     l.ha.feedErrors.Load(),
	}
}

// Failovers returns FailoverStats().Failovers (for metrics.FailoverCounter).
func (l *Log) Failovers() uint64 { return l.ha.failovers.Load() }

// PrimaryChanges returns FailoverStats().PrimaryChanges (for
// metrics.FailoverCounter).
func (l *Log) PrimaryChanges() uint64 { return l.ha.primaryChanges.Load() }

// FeedRestarts returns the feed's re-established connections by reason,
// "stalled" and "error" (for metrics.FailoverCounter).
func (l *Log) FeedRestarts() map[string]uint64 {
	return map[string]uint64{redialStalled: l.ha.feedStalled.Load(), redialError: l.ha.feedErrors.Load()}
}
