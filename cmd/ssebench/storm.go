package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ssehub/ssehub/internal/loadresult"
)

// stormQuiet ends a storm run's drain once no delivery arrived for this
// long: what a resuming hub has not sent by then is missing (a loss the
// checks then report), and the run need not wait for -drain.
const stormQuiet = 2 * time.Second

// runStorm publishes at cfg.Rate for cfg.Duration (broadcasts, or with -to
// targeted each event to one client) and every cfg.StormEvery cuts every
// open stream at once; each reconnects at once (or after up to
// cfg.StormJitter) with Last-Event-ID, the thundering herd a hub restart or
// a network blip causes. Every stream must then have received every event
// meant for it exactly once, in order, or have been told by a reset event
// which ones it lost.
func runStorm(ctx context.Context, b *bench, res *Result) error {
	var storms, cuts int
	checks := b.publishWhileCutting(ctx, res, stormQuiet, func(ctx context.Context) { storms, cuts = b.stormLoop(ctx) })
	sr := &loadresult.StormResult{
		EverySeconds:  b.cfg.StormEvery.Seconds(),
		JitterSeconds: b.cfg.StormJitter.Seconds(),
		Storms:        storms,
		Cuts:          cuts,
	}
	for _, c := range checks {
		sr.Reconnects += c.s.reopens
		sr.ReconnectsCut += c.s.cutByStop
		if c.s.reopens > 0 {
			sr.StreamsReconnected++
		}
	}
	res.Storm = sr
	res.Loss = int64(res.Checks.Missing)
	if res.Checks.Expected > 0 {
		res.LossPercent = 100 * float64(res.Loss) / float64(res.Checks.Expected)
	}
	return nil
}

// stormLoop cuts every open stream at cfg.StormEvery, 2*cfg.StormEvery, ...
// while that is before cfg.Duration (so 15s every 5s is two storms, none at
// the end of publishing), or until ctx ends; it returns the storms and the
// streams cut. A stream still reconnecting from the last storm is not cut.
func (b *bench) stormLoop(ctx context.Context) (storms, cuts int) {
	start := time.Now()
	for k := 1; time.Duration(k)*b.cfg.StormEvery < b.cfg.Duration; k++ {
		sleepCtx(ctx, time.Until(start.Add(time.Duration(k)*b.cfg.StormEvery)))
		if ctx.Err() != nil {
			return storms, cuts
		}
		n := 0
		for _, s := range b.streams {
			if s.churn() {
				n++
			}
		}
		storms, cuts = storms+1, cuts+n
		fmt.Fprintf(b.cfg.Log, "ssebench: storm %d: %d streams cut\n", storms, n)
	}
	return storms, cuts
}
