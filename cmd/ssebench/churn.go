package main

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/ssehub/ssehub/internal/loadresult"
)

// churnTick is how often the churn controller closes a batch of streams.
const churnTick = 100 * time.Millisecond

// runChurn publishes at cfg.Rate for cfg.Duration (broadcasts, or with -to
// targeted each event to one client) while closing and reopening cfg.Churn
// of the streams per second. Every stream is open before the first event,
// so every stream should receive every event meant for it: those never
// closed directly, the reopened ones on ssehub through Last-Event-ID replay.
// It reports the loss of the former and the gaps and duplicates of the
// latter.
func runChurn(ctx context.Context, b *bench, res *Result) error {
	quiet := time.Duration(0)
	if !b.resume {
		quiet = 2 * time.Second // reopened yardstick streams never get what they missed
	}
	var closes int
	checks := b.publishWhileCutting(ctx, res, quiet, func(ctx context.Context) { closes = b.churnLoop(ctx) })
	c := churnReport(checks, b.resume)
	c.Closes = closes
	res.Churn = c
	res.Loss = int64(c.StableLoss + c.ChurnedMissing)
	if exp := c.StableExpected + c.ChurnedExpected; exp > 0 {
		res.LossPercent = 100 * float64(res.Loss) / float64(exp)
	}
	return nil
}

// publishWhileCutting runs cut, which closes streams for their goroutines to
// reopen until its context ends after cfg.Duration, while publishing the
// paced plan; then it waits for the deliveries (quiet as in drain), stops
// the streams and checks each against what it was owed. cut has returned
// when it returns.
func (b *bench) publishWhileCutting(ctx context.Context, res *Result, quiet time.Duration, cut func(context.Context)) []streamCheck {
	cctx, cancel := context.WithTimeout(ctx, b.cfg.Duration)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); cut(cctx) }()
	plan := b.pacedPlan()
	plan.trackIDs = true
	st := b.runPublishing(ctx, res, plan, b.cfg.Duration+rateSlack, quiet)
	cancel()
	<-done
	checks := b.checkStreams(st)
	res.Checks = b.summarize(checks)
	return checks
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

// churnReport splits the streams' checks between the streams never closed
// and those closed and reopened (by the tool or the server).
func churnReport(checks []streamCheck, resumed bool) *loadresult.ChurnResult {
	c := &loadresult.ChurnResult{Resumed: resumed}
	for _, k := range checks {
		if k.s.closes == 0 && k.s.drops == 0 {
			c.StableConns++
			c.StableExpected += k.expected
			c.StableLoss += k.missing()
		} else {
			c.ChurnedConns++
			c.ChurnedExpected += k.expected
			c.ChurnedMissing += k.missing()
		}
		c.Duplicates += k.s.dups
		c.OutOfRange += k.s.outOfRange
	}
	return c
}
