package main

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssehub/ssehub/internal/loadconn"
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

// schedule runs one pubPlan: a dispatcher hands out one pubJob per request
// at the due time of its first event, and publishers take them in seq order.
type schedule struct {
	b       *bench
	p       *publisher
	plan    pubPlan
	runCtx  context.Context // bounds requests in flight
	jobs    chan pubJob
	wg      sync.WaitGroup // publishers
	sent    atomic.Int64   // events handed to a publisher
	workers int            // publishers started; the dispatcher's alone

	mu sync.Mutex // guards st's plain fields
	st *pubStats
}

// publishAll runs plan and returns when every event is published, or when
// ctx ends; requests in flight then still finish (within the publisher's
// timeout), so the hub's answer decides whether their events count, and
// runCtx bounds them. Each publisher stamps its events' data with the time
// its request starts. A failed request counts all its events as failed.
func (b *bench) publishAll(ctx, runCtx context.Context, p *publisher, plan pubPlan) *pubStats {
	plan.batch = max(plan.batch, 1)
	s := &schedule{b: b, p: p, plan: plan, runCtx: runCtx, jobs: make(chan pubJob), st: &pubStats{errKinds: map[string]int{}}}
	if plan.trackIDs {
		s.st.ids = make([]atomic.Uint64, plan.events)
	}
	for range plan.workers {
		s.wg.Go(s.publish)
	}
	s.workers = plan.workers
	dispatched := make(chan struct{})
	go func() { defer close(dispatched); s.dispatch(ctx) }()
	// Progress while publishing; the loop ends with the publishers.
	done := make(chan struct{})
	go func() { <-dispatched; s.wg.Wait(); close(done) }()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-done:
			s.st.unsent = plan.events - int(s.sent.Load())
			s.st.workers = s.workers
			return s.st
		case <-tick.C:
			fmt.Fprintf(b.cfg.Log, "ssebench: %d/%d events sent, %d deliveries\n", s.sent.Load(), plan.events, b.delivered.Load())
		}
	}
}

// dispatch hands out the plan's requests, paced when the plan has a rate;
// bounded by plan.events and by ctx. It closes s.jobs when done.
func (s *schedule) dispatch(ctx context.Context) {
	defer close(s.jobs)
	grow := time.NewTimer(time.Hour)
	grow.Stop()
	start := time.Now()
	for i := 0; i < s.plan.events; i += s.plan.batch {
		j := pubJob{seq: uint64(i), n: min(s.plan.batch, s.plan.events-i), due: start}
		if s.plan.rate > 0 {
			j.due = start.Add(time.Duration(float64(i) * float64(time.Second) / s.plan.rate))
			if d := time.Until(j.due); d > 500*time.Microsecond {
				sleepCtx(ctx, d)
			}
			if ctx.Err() != nil || !s.offerPaced(ctx, j, grow) {
				return
			}
			continue
		}
		if !s.hand(ctx, j) {
			return
		}
	}
}

// offerPaced hands out a due job. When every publisher is busy it adds one
// unless one frees up within growAfter (bursts of due events alone do not
// grow the pool), up to plan.maxWorkers. It reports false when ctx ended.
func (s *schedule) offerPaced(ctx context.Context, j pubJob, grow *time.Timer) bool {
	select {
	case s.jobs <- j:
		s.sent.Add(int64(j.n))
		return true
	default: // every publisher is busy
	}
	if s.workers < s.plan.maxWorkers {
		grow.Reset(growAfter)
		select {
		case s.jobs <- j:
			s.sent.Add(int64(j.n))
			grow.Stop()
			return true
		case <-grow.C:
			s.workers++
			s.wg.Go(s.publish)
		case <-ctx.Done():
			return false
		}
	}
	return s.hand(ctx, j)
}

// hand waits until a publisher takes j; it reports false when ctx ended.
func (s *schedule) hand(ctx context.Context, j pubJob) bool {
	select {
	case s.jobs <- j:
		s.sent.Add(int64(j.n))
		return true
	case <-ctx.Done():
		return false
	}
}

// publisherTally is one publisher's own counts, added to pubStats once at
// its end.
type publisherTally struct {
	ok, failed, late, reqs, reqFailed int
	maxLag                            time.Duration
	first, last                       time.Time
	errs                              map[string]int
}

// publish is one publisher: it sends the jobs it takes over a session of
// its own until the dispatcher is done.
func (s *schedule) publish() {
	t := publisherTally{errs: map[string]int{}}
	req := pubRequest{sess: s.p.session(), buf: make([]byte, 0, s.b.cfg.Size+48)}
	defer req.sess.close()
	for j := range s.jobs {
		now := time.Now()
		if lag := now.Sub(j.due); s.plan.rate > 0 {
			t.maxLag = max(t.maxLag, lag)
			if lag > 10*time.Millisecond {
				t.late += j.n
			}
		}
		if t.first.IsZero() {
			t.first = now
		}
		want, recs, err := s.send(&req, j, now)
		t.last = time.Now()
		t.reqs++
		if err != nil {
			t.reqFailed++
			t.failed += j.n
			t.errs[loadconn.ErrorKind(err)] += j.n
			continue
		}
		t.ok += j.n
		s.noteReceipts(j, want, recs)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t.addTo(s.st)
}

// pubRequest is a publisher's session and reused buffers.
type pubRequest struct {
	sess *pubSession
	buf  []byte
	body batchBody
	one  [1]receipt
}

// send publishes job j, stamped now, and returns the deliveries it owes
// (counted from the streams open now, before the request, as the hub will
// count them) and the hub's receipts.
func (s *schedule) send(r *pubRequest, j pubJob, now time.Time) (want uint64, recs []receipt, err error) {
	b, node := s.b, s.b.publishNode(j.seq)
	if s.plan.batch == 1 {
		to := s.plan.to(j.seq)
		r.buf = appendPayload(r.buf[:0], j.seq, now.UnixNano(), b.cfg.Size)
		rec, err := r.sess.publish(s.runCtx, node, b.cfg.nameOf(to), r.buf)
		return b.expectFor(to), append(r.one[:0], rec), err
	}
	r.body.reset()
	r.body.mercure = b.cfg.Mercure
	for seq := j.seq; seq < j.seq+uint64(j.n); seq++ {
		to := s.plan.to(seq)
		want += b.expectFor(to)
		r.buf = appendPayload(r.buf[:0], seq, now.UnixNano(), b.cfg.Size)
		r.body.add(b.cfg.nameOf(to), r.buf)
	}
	recs, err = r.sess.publishBatch(s.runCtx, node, r.body.bytes(), j.n)
	return want, recs, err
}

// noteReceipts counts a successful request's deliveries owed and reported
// and, when tracked, its events' hub ids.
func (s *schedule) noteReceipts(j pubJob, want uint64, recs []receipt) {
	s.st.expected.Add(want)
	for k, r := range recs {
		s.st.reported.Add(uint64(max(r.Connections, 0)))
		if s.st.ids != nil {
			s.st.ids[j.seq+uint64(k)].Store(hubID(r.ID))
		}
	}
}

// addTo adds the tally to st; call it with the schedule's mu held.
func (t *publisherTally) addTo(st *pubStats) {
	st.ok += t.ok
	st.failed += t.failed
	st.late += t.late
	st.requests += t.reqs
	st.reqFailed += t.reqFailed
	st.maxLag = max(st.maxLag, t.maxLag)
	if !t.first.IsZero() && (st.first.IsZero() || t.first.Before(st.first)) {
		st.first = t.first
	}
	if t.last.After(st.last) {
		st.last = t.last
	}
	for k, v := range t.errs {
		st.errKinds[k] += v
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
