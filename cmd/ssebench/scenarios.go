package main

import (
	"context"
	"math"
	"time"

	"github.com/ssehub/ssehub/internal/procstat"
)

// broadcast targets every event at every stream.
func broadcast(uint64) int { return -1 }

// maxPacedPublishers bounds the publishers a paced plan may add.
const maxPacedPublishers = 256

// rateSlack is how long past -duration a paced publishing phase may run
// when the hub accepts publishes more slowly than the rate.
const rateSlack = 10 * time.Second

// runIdle holds the open streams for cfg.Duration (memory and connect time
// are measured by setUp).
func runIdle(ctx context.Context, b *bench, res *Result) error {
	if d := b.cfg.Duration; d > 0 {
		m := procstat.StartMeter(b.cfg.PIDs)
		sleepCtx(ctx, d)
		setCPU(res, m)
	}
	if err := b.stop(); err != nil {
		res.Notes = append(res.Notes, err.Error())
	}
	b.collect(res, time.Time{})
	return nil
}

// runFanout publishes cfg.Events broadcasts as fast as the hub accepts them
// and waits until every stream has every event or cfg.Drain passed.
func runFanout(ctx context.Context, b *bench, res *Result) error {
	if b.cfg.Listen {
		return runListen(ctx, b, res)
	}
	b.runPublishing(ctx, res, pubPlan{
		events:  b.cfg.Events,
		workers: b.cfg.Publishers,
		to:      broadcast,
	}, 0, 0)
	return nil
}

// runLatency broadcasts at cfg.Rate for cfg.Duration.
func runLatency(ctx context.Context, b *bench, res *Result) error {
	b.runPublishing(ctx, res, b.pacedPlan(), b.cfg.Duration+rateSlack, 0)
	return nil
}

// runTargeted publishes at cfg.Rate for cfg.Duration, each event to one
// pseudo-random client id.
func runTargeted(ctx context.Context, b *bench, res *Result) error {
	b.runPublishing(ctx, res, b.pacedPlan(), b.cfg.Duration+rateSlack, 0)
	return nil
}

// targetedPerWorker is the request rate one concurrent request is expected
// to sustain: 4 ms per round trip leaves room on a loaded machine.
const targetedPerWorker = 250

// pacedPlan publishes cfg.Rate events/s for cfg.Duration to cfg.To.
// Targeted events start with enough concurrent requests to hold the rate of
// requests (cfg.Rate/cfg.Batch); the pool grows if they take longer.
func (b *bench) pacedPlan() pubPlan {
	cfg := b.cfg
	workers := cfg.Publishers
	if cfg.To == toTargeted {
		workers = max(workers, int(math.Ceil(cfg.Rate/float64(max(cfg.Batch, 1))/targetedPerWorker)))
	}
	return pubPlan{
		events:     cfg.plannedEvents(),
		rate:       cfg.Rate,
		workers:    workers,
		maxWorkers: max(workers, maxPacedPublishers),
		to:         cfg.eventTarget(),
	}
}

// eventTarget returns the target of each event seq: -1 (everyone) or, for
// -to targeted, a pseudo-random client. It is a pure function of the seed
// and seq, so the delivery checks recompute it instead of storing it.
func (c *Config) eventTarget() func(seq uint64) int {
	if c.To != toTargeted {
		return broadcast
	}
	seed, clients := c.Seed, uint64(c.Clients)
	return func(seq uint64) int { return int(mix64(seed^seq) % clients) }
}

// mix64 is SplitMix64's finalizer: a well-spread hash of x.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
