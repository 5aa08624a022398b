package main

import (
	"context"
	"time"

	"github.com/ssehub/ssehub"
)

// tickFormat is how the demo broadcast writes the time.
const tickFormat = "2006-01-02 15:04:05"

// startTick broadcasts the current time every period until ctx ends, as the
// original demo did; period 0 turns it off. The ticks are ephemeral: they
// take no room in the history, cost a durable store no write, and are never
// replayed to a reconnecting client (whose last event id keeps naming the
// last real event). The returned channel is closed
// when the ticker has stopped.
func startTick(ctx context.Context, hub *ssehub.Hub, period time.Duration) <-chan struct{} {
	done := make(chan struct{})
	if period <= 0 {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				// A failed tick is not worth more than the next one.
				hub.Publish(ctx, ssehub.Message{
					Broadcast: true,
					Ephemeral: true,
					Data:      []byte(now.Format(tickFormat)),
				})
			}
		}
	}()
	return done
}
