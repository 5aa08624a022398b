package redis

import (
	"context"
	"sync"
	"time"
)

// A watermark is the newest seq the feed has delivered (or skipped), which
// Appends wait for. The channel is made only when someone waits, so the feed
// pays for a wake-up only then.
type watermark struct {
	mu    sync.Mutex
	at    uint64
	moved chan struct{} // closed when at moves; nil when nobody waits
}

func (w *watermark) advance(seq uint64) {
	w.mu.Lock()
	if seq > w.at {
		w.at = seq
		if w.moved != nil {
			close(w.moved)
			w.moved = nil
		}
	}
	w.mu.Unlock()
}

// wait reports whether the watermark reached seq before timeout, ctx's end
// or quit.
func (w *watermark) wait(ctx context.Context, seq uint64, timeout time.Duration, quit <-chan struct{}) bool {
	var expired <-chan time.Time
	for {
		w.mu.Lock()
		if w.at >= seq {
			w.mu.Unlock()
			return true
		}
		if w.moved == nil {
			w.moved = make(chan struct{})
		}
		moved := w.moved
		w.mu.Unlock()
		if expired == nil {
			t := time.NewTimer(timeout)
			defer t.Stop()
			expired = t.C
		}
		select {
		case <-moved:
		case <-expired:
			return false
		case <-ctx.Done():
			return false
		case <-quit:
			return false
		}
	}
}
