package redis

import (
	"context"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

// maxLag samples l's FeedLag every few milliseconds for d and returns the
// largest.
func maxLag(l *Log, d time.Duration) time.Duration {
	var most time.Duration
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		most = max(most, l.FeedLag())
	}
	return most
}

// A healthy feed waiting on Redis is current: its lag stays near zero,
// across the ends and restarts of its blocking reads too.
func TestFeedLagIdle(t *testing.T) {
	env := newLogEnv(t)
	l, _ := env.open(t, freshPrefix(), ssehub.Retention{})
	if most := maxLag(l, feedBlock+feedBlock/2); most > 250*time.Millisecond {
		t.Errorf("an idle feed's lag reached %v, want about 0", most)
	}
}

// A delivery that takes long holds the feed back: the lag grows while it
// lasts, and falls back once the feed has caught up.
func TestFeedLagSlowDelivery(t *testing.T) {
	env := newLogEnv(t)
	l, rec := env.open(t, freshPrefix(), ssehub.Retention{})
	release := make(chan struct{})
	hook := func(*ssehub.Entry) { <-release }
	rec.hook.Store(&hook)
	done := make(chan error, 1)
	go func() {
		_, err := l.Append(context.Background(), broadcastMsg("slow to deliver"), 0)
		done <- err
	}()
	eventually(t, "the lag growing while a delivery hangs", func() bool { return l.FeedLag() > 300*time.Millisecond })
	rec.hook.Store(nil)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	eventually(t, "the lag back near zero once delivered", func() bool { return l.FeedLag() < 100*time.Millisecond })
}

// While Redis cannot be read, the lag grows past what a read may wait;
// once Redis is back, it falls back near zero.
func TestFeedLagOutage(t *testing.T) {
	env := newLogEnv(t)
	l, _ := env.open(t, freshPrefix(), ssehub.Retention{})
	env.srv.Stop()
	eventually(t, "the lag past a blocking read while Redis is down", func() bool { return l.FeedLag() > feedBlock+feedBlock/2 })
	env.srv.Start()
	eventually(t, "the lag back near zero with Redis back", func() bool { return l.FeedLag() < 100*time.Millisecond })
}
