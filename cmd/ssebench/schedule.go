package main

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// pubPlan says what to publish: events with seq 0..events-1, paced at rate
// per second (0: as fast as the hub accepts them), over workers concurrent
// requests, each to client to(seq) (-1: broadcast). With batch > 1 each
// request carries the next batch events (the last one perhaps fewer), sent
// when the first of them is due, so the event rate stays rate and the
// request rate is rate/batch. A paced plan adds a publisher whenever a
// request is due and every publisher is busy, up to maxWorkers, so that a
// slow hub delays the publish requests (and shows in the latency) instead of
// delaying the events' time stamps.
type pubPlan struct {
	events     int
	rate       float64
	batch      int // events per request; 0 or 1: one, in the single-event form
	workers    int
	maxWorkers int
	to         func(seq uint64) int
	trackIDs   bool // record which seqs were published, with their hub ids (churn, storm)
}

// pubStats is what publishing did.
type pubStats struct {
	ok, failed, unsent  int // events
	requests, reqFailed int // publish requests sent, and those that failed
	errKinds            map[string]int
	ids                 []atomic.Uint64 // when trackIDs: per seq, its hub id (hubID); 0: not published
	expected            atomic.Uint64   // deliveries owed by successful publishes
	reported            atomic.Uint64   // connections the hub said it reached
	first, last         time.Time       // first publish start, last publish end
	maxLag              time.Duration   // worst start behind schedule
	late                int             // events whose request started over 10 ms behind schedule
	workers             int             // publishers in use at the end
}

// growAfter is how long a due request waits for a busy publisher before a
// paced plan adds one.
const growAfter = 2 * time.Millisecond

// pubJob is one request: events seq .. seq+n-1.
type pubJob struct {
	seq uint64
	n   int
	due time.Time
}

// publishAll runs plan and returns when every event is published, or when
// ctx ends; requests in flight then still finish (within the publisher's
// timeout), so the hub's answer decides whether their events count, and
// runCtx bounds them. Workers take requests in seq order; each stamps its
// events' data with the time its request starts. A failed request counts
// all its events as failed.
func (b *bench) publishAll(ctx, runCtx context.Context, p *publisher, plan pubPlan) *pubStats {
	st := &pubStats{errKinds: map[string]int{}}
	if plan.trackIDs {
		st.ids = make([]atomic.Uint64, plan.events)
	}
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		sent    atomic.Int64
		workers int
	)
	batch := max(plan.batch, 1)
	jobs := make(chan pubJob)
	worker := func() {
		var ok, failed, late, reqs, reqFailed int
		var maxLag time.Duration
		var first, last time.Time
		errs := map[string]int{}
		buf := make([]byte, 0, b.cfg.Size+48)
		var body batchBody
		var one [1]receipt
		sess := p.session()
		defer sess.close()
		for j := range jobs {
			now := time.Now()
			if lag := now.Sub(j.due); plan.rate > 0 {
				maxLag = max(maxLag, lag)
				if lag > 10*time.Millisecond {
					late += j.n
				}
			}
			if first.IsZero() {
				first = now
			}
			// The deliveries owed are counted from the streams open now,
			// before the request, as the hub will count them.
			var want uint64
			var recs []receipt
			var err error
			node := b.publishNode(j.seq)
			if batch == 1 {
				to := plan.to(j.seq)
				want = b.expectFor(to)
				buf = appendPayload(buf[:0], j.seq, now.UnixNano(), b.cfg.Size)
				var r receipt
				r, err = sess.publish(runCtx, node, b.cfg.nameOf(to), buf)
				recs = append(one[:0], r)
			} else {
				body.reset()
				for seq := j.seq; seq < j.seq+uint64(j.n); seq++ {
					to := plan.to(seq)
					want += b.expectFor(to)
					buf = appendPayload(buf[:0], seq, now.UnixNano(), b.cfg.Size)
					body.add(b.cfg.nameOf(to), buf)
				}
				recs, err = sess.publishBatch(runCtx, node, body.bytes(), j.n)
			}
			last = time.Now()
			reqs++
			if err != nil {
				reqFailed++
				failed += j.n
				errs[errorKind(err)] += j.n
				continue
			}
			ok += j.n
			st.expected.Add(want)
			for k, r := range recs {
				st.reported.Add(uint64(max(r.Connections, 0)))
				if st.ids != nil {
					st.ids[j.seq+uint64(k)].Store(hubID(r.ID))
				}
			}
		}
		mu.Lock()
		defer mu.Unlock()
		st.ok += ok
		st.failed += failed
		st.late += late
		st.requests += reqs
		st.reqFailed += reqFailed
		st.maxLag = max(st.maxLag, maxLag)
		if !first.IsZero() && (st.first.IsZero() || first.Before(st.first)) {
			st.first = first
		}
		if last.After(st.last) {
			st.last = last
		}
		for k, v := range errs {
			st.errKinds[k] += v
		}
	}
	for range plan.workers {
		wg.Go(worker)
	}
	workers = plan.workers
	// The dispatcher: one job per request, at the due time of its first
	// event; bounded by plan.events and by ctx.
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		defer close(jobs)
		grow := time.NewTimer(time.Hour)
		grow.Stop()
		start := time.Now()
		for i := 0; i < plan.events; i += batch {
			j := pubJob{seq: uint64(i), n: min(batch, plan.events-i), due: start}
			if plan.rate > 0 {
				j.due = start.Add(time.Duration(float64(i) * float64(time.Second) / plan.rate))
				if d := time.Until(j.due); d > 500*time.Microsecond {
					sleepCtx(ctx, d)
				}
				if ctx.Err() != nil {
					return
				}
				select {
				case jobs <- j:
					sent.Add(int64(j.n))
					continue
				default: // every publisher is busy
				}
				if workers < plan.maxWorkers {
					// Add a publisher if none frees up within growAfter:
					// bursts of due events alone do not grow the pool.
					grow.Reset(growAfter)
					select {
					case jobs <- j:
						sent.Add(int64(j.n))
						grow.Stop()
						continue
					case <-grow.C:
						workers++
						wg.Go(worker)
					case <-ctx.Done():
						return
					}
				}
			}
			select {
			case jobs <- j:
				sent.Add(int64(j.n))
			case <-ctx.Done():
				return
			}
		}
	}()
	// Progress while publishing; the loop ends with the workers.
	done := make(chan struct{})
	go func() { <-dispatched; wg.Wait(); close(done) }()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-done:
			st.unsent = plan.events - int(sent.Load())
			st.workers = workers
			return st
		case <-tick.C:
			fmt.Fprintf(b.cfg.Log, "ssebench: %d/%d events sent, %d deliveries\n", sent.Load(), plan.events, b.delivered.Load())
		}
	}
}

// noHubID is the hub id recorded for an event published with a 200 answer
// whose receipt named no id (the yardstick's): owed, but no reset event can
// announce it lost.
const noHubID = math.MaxUint64

// hubID is the id of a published event for pubStats.ids: its number in the
// hub's log, or noHubID. It is never 0, which means "not published".
func hubID(id string) uint64 {
	if v, ok := parseID(id); ok && v != 0 {
		return v
	}
	return noHubID
}

// parseID returns the log sequence number in an ssehub event id (a decimal
// number); ok is false for anything else.
func parseID(id string) (uint64, bool) {
	v, end, ok := parseDigits(id, 0)
	return v, ok && end == len(id)
}
