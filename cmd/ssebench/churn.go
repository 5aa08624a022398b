package main

import (
	"context"
	"math/bits"
	"math/rand/v2"
	"time"
)

// churnTick is how often the churn controller closes a batch of streams.
const churnTick = 100 * time.Millisecond

// runChurn broadcasts at cfg.Rate for cfg.Duration while closing and
// reopening cfg.Churn of the streams per second. Every stream is open before
// the first event, so every stream should receive every published event:
// those never closed directly, the reopened ones on ssehub through
// Last-Event-ID replay. It reports the loss of the former and the gaps and
// duplicates of the latter.
func runChurn(ctx context.Context, b *bench, res *Result) error {
	cfg := b.cfg
	closes := make(chan int, 1)
	cctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	go func() { closes <- b.churnLoop(cctx) }()
	quiet := time.Duration(0)
	if !b.resume {
		quiet = 2 * time.Second // reopened yardstick streams never get what they missed
	}
	st := b.runPublishing(ctx, res, pubPlan{
		events:     cfg.plannedEvents(),
		rate:       cfg.Rate,
		workers:    cfg.Publishers,
		maxWorkers: maxPacedPublishers,
		to:         broadcast,
		trackOK:    true,
	}, cfg.Duration+rateSlack, quiet)
	cancel()
	c := b.churnReport(st)
	c.Closes = <-closes
	res.Churn = c
	res.Loss = int64(c.StableLoss + c.ChurnedMissing)
	if exp := c.StableExpected + c.ChurnedExpected; exp > 0 {
		res.LossPercent = 100 * float64(res.Loss) / float64(exp)
	}
	return nil
}

// churnLoop closes about cfg.Churn*conns streams per second, spread over
// ticks, until ctx ends; it returns how many it closed. Its loops are bounded
// by the number of ticks and, in a tick, by a few tries per close.
func (b *bench) churnLoop(ctx context.Context) int {
	rng := rand.New(rand.NewPCG(b.cfg.Seed, 0x636875726e))
	perTick := b.cfg.Churn * float64(len(b.streams)) * churnTick.Seconds()
	t := time.NewTicker(churnTick)
	defer t.Stop()
	acc, closed := 0.0, 0
	for range int(b.cfg.Duration / churnTick) {
		select {
		case <-t.C:
		case <-ctx.Done():
			return closed
		}
		acc += perTick
		want := int(acc)
		acc -= float64(want)
		for tries, limit := 0, 4*want+8; want > 0 && tries < limit; tries++ {
			if b.streams[rng.IntN(len(b.streams))].churn() {
				closed++
				want--
			}
		}
	}
	return closed
}

// churnReport compares every opened stream's received seqs with the
// successfully published ones; call it after the streams stopped.
func (b *bench) churnReport(st *pubStats) *ChurnResult {
	ok := make([]uint64, (len(st.okSeq)+63)/64)
	var okCount uint64
	for i := range st.okSeq {
		if st.okSeq[i].Load() {
			ok[i/64] |= 1 << (i % 64)
			okCount++
		}
	}
	c := &ChurnResult{Resumed: b.resume}
	for _, s := range b.streams {
		if !s.opened {
			continue
		}
		var got uint64
		for i, w := range s.seen {
			got += uint64(bits.OnesCount64(w & ok[i]))
		}
		if s.closes == 0 && s.drops == 0 {
			c.StableConns++
			c.StableExpected += okCount
			c.StableLoss += okCount - got
		} else {
			c.ChurnedConns++
			c.ChurnedExpected += okCount
			c.ChurnedMissing += okCount - got
		}
		c.Duplicates += s.dups
		c.OutOfRange += s.outOfRange
	}
	return c
}
