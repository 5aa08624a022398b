package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// pubPlan says what to publish: events with seq 0..events-1, paced at rate
// per second (0: as fast as the hub accepts them), over workers concurrent
// requests, each to client to(seq) (-1: broadcast). A paced plan adds a
// publisher whenever an event is due and every publisher is busy, up to
// maxWorkers, so that a slow hub delays the publish requests (and shows in
// the latency) instead of delaying the events' time stamps.
type pubPlan struct {
	events     int
	rate       float64
	workers    int
	maxWorkers int
	to         func(seq uint64) int
	trackOK    bool // record which seqs were published (churn)
}

// pubStats is what publishing did.
type pubStats struct {
	ok, failed, unsent int
	errKinds           map[string]int
	okSeq              []atomic.Bool // when trackOK
	expected           atomic.Uint64 // deliveries owed by successful publishes
	reported           atomic.Uint64 // connections the hub said it reached
	first, last        time.Time     // first publish start, last publish end
	maxLag             time.Duration // worst start behind schedule
	late               int           // publishes started over 10 ms behind schedule
	workers            int           // publishers in use at the end
}

// growAfter is how long a due event waits for a busy publisher before a
// paced plan adds one.
const growAfter = 2 * time.Millisecond

type pubJob struct {
	seq uint64
	due time.Time
}

// publishAll runs plan and returns when every event is published, or when
// ctx ends; requests in flight then still finish (within the publisher's
// timeout), so the hub's answer decides whether their events count, and
// runCtx bounds them. Workers take events in seq order; each stamps its
// event's data with the time its request starts.
func (b *bench) publishAll(ctx, runCtx context.Context, p *publisher, plan pubPlan) *pubStats {
	st := &pubStats{errKinds: map[string]int{}}
	if plan.trackOK {
		st.okSeq = make([]atomic.Bool, plan.events)
	}
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		sent    atomic.Int64
		workers int
	)
	jobs := make(chan pubJob)
	worker := func() {
		var ok, failed, late int
		var maxLag time.Duration
		var first, last time.Time
		errs := map[string]int{}
		buf := make([]byte, 0, b.cfg.Size+48)
		sess := p.session()
		defer sess.close()
		for j := range jobs {
			now := time.Now()
			if lag := now.Sub(j.due); plan.rate > 0 {
				maxLag = max(maxLag, lag)
				if lag > 10*time.Millisecond {
					late++
				}
			}
			if first.IsZero() {
				first = now
			}
			to := plan.to(j.seq)
			want := b.expectFor(to)
			name := ""
			if to >= 0 {
				name = clientName(to)
			}
			buf = appendPayload(buf[:0], j.seq, now.UnixNano(), b.cfg.Size)
			n, err := sess.publish(runCtx, name, buf)
			last = time.Now()
			if err != nil {
				failed++
				errs[errorKind(err)]++
				continue
			}
			ok++
			st.expected.Add(want)
			st.reported.Add(uint64(max(n, 0)))
			if st.okSeq != nil {
				st.okSeq[j.seq].Store(true)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		st.ok += ok
		st.failed += failed
		st.late += late
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
	// The dispatcher: one job per event, at its due time; bounded by
	// plan.events and by ctx.
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		defer close(jobs)
		grow := time.NewTimer(time.Hour)
		grow.Stop()
		start := time.Now()
		for i := range plan.events {
			j := pubJob{seq: uint64(i), due: start}
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
					sent.Add(1)
					continue
				default: // every publisher is busy
				}
				if workers < plan.maxWorkers {
					// Add a publisher if none frees up within growAfter:
					// bursts of due events alone do not grow the pool.
					grow.Reset(growAfter)
					select {
					case jobs <- j:
						sent.Add(1)
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
				sent.Add(1)
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
