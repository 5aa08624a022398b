package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ssehub/ssehub/internal/procstat"
)

// Listening (-listen, fanout only) lets several ssebench processes load one
// cluster: one process holds at most about 19,500 streams, so a fanout to
// more runs listening processes, each with its own -id-prefix and source
// addresses, and one that publishes, started once every listener wrote its
// -ready-file. A listener publishes nothing: it owes each of its streams
// the -events broadcasts, and takes their publish times from their data.
// -merge then sums the processes' results up.

// runListen waits, within the run's timeout, for the first broadcast, then
// until every stream has -events of them or -drain passed. It reports what
// the streams received against -events times the streams that connected.
func runListen(ctx context.Context, b *bench, res *Result) error {
	cfg := b.cfg
	m := procstat.StartMeter(cfg.PIDs)
	fmt.Fprintf(cfg.Log, "ssebench: %d streams listening for %d broadcasts\n", res.Connected, cfg.Events)
	want := uint64(cfg.Events) * uint64(res.Connected)
	res.Expected = want
	if b.awaitDelivery(ctx) {
		res.Drained = b.drain(ctx, want, cfg.Drain, 0)
	}
	setCPU(res, m)
	if err := b.stop(); err != nil {
		res.Notes = append(res.Notes, err.Error())
	}
	var first time.Time
	if b.times != nil {
		first = b.times.firstSent()
	}
	b.collect(res, first)
	if res.Received > 0 {
		res.ToolCPUPerEvent = res.ToolCPUSeconds * 1e6 / float64(res.Received)
	}
	if res.Received == 0 {
		return fmt.Errorf("-listen: no broadcast arrived before the run ended")
	}
	return nil
}

// awaitDelivery waits until some stream received an event; it reports
// false when ctx ended or no stream is left first.
func (b *bench) awaitDelivery(ctx context.Context) bool {
	for b.delivered.Load() == 0 {
		if ctx.Err() != nil || b.alive.Load() == 0 {
			return false
		}
		sleepCtx(ctx, 10*time.Millisecond)
	}
	return true
}
