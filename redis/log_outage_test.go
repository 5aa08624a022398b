package redis

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

// Redis stopped: Append and ReadAfter fail at once with ErrUnavailable.
// Once Redis is back the feed resumes by itself, from where it was, and
// delivers in order what another node appended meanwhile; the outage is
// logged once, not once per retry.
func TestRedisStoppedAndBack(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	a, recA := env.open(t, prefix, ssehub.Retention{})
	b, _ := env.open(t, prefix, ssehub.Retention{})
	before := mustAppendLog(t, a, broadcastMsg("before"))
	recA.waitSeq(t, before.Seq)

	env.srv.Stop()
	start := time.Now()
	_, err := a.Append(context.Background(), broadcastMsg("during"), 0)
	t.Logf("Append with Redis down failed after %v", time.Since(start))
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Append with Redis down took %v, want a prompt failure", d)
	}
	if !errors.Is(err, ssehub.ErrUnavailable) {
		t.Errorf("Append with Redis down: %v, want ErrUnavailable", err)
	}
	if _, _, err := readAll(a, before.Seq, nil); !errors.Is(err, ssehub.ErrUnavailable) {
		t.Errorf("ReadAfter with Redis down: %v, want ErrUnavailable", err)
	}
	time.Sleep(500 * time.Millisecond) // the feeds retry a few times

	env.srv.Start()
	var es []*ssehub.Entry
	eventually(t, "an Append on B succeeds once Redis is back", func() bool {
		e, err := b.Append(context.Background(), broadcastMsg("back 0"), 0)
		if err == nil {
			es = append(es, e)
		}
		return err == nil
	})
	for range 9 {
		es = append(es, mustAppendLog(t, b, broadcastMsg("back")))
	}
	recA.waitSeq(t, es[len(es)-1].Seq)
	recA.checkContinuity(t, before.Seq)
	if s := recA.skipped(); len(s) > 0 {
		t.Errorf("A skipped %v, but Redis kept every entry", s)
	}
	if got, want := seqsOf(recA.delivered()), append([]uint64{before.Seq}, seqsOf(es)...); !slices.Equal(got, want) {
		t.Errorf("A delivered %v, want %v", got, want)
	}
	var outages int
	for _, m := range recA.logged(slog.LevelWarn) {
		if strings.Contains(m, "cannot read from Redis") {
			outages++
		}
	}
	if outages != 1 {
		t.Errorf("A's feed logged the outage %d times, want once; it logged %q", outages, recA.logged(slog.LevelInfo))
	}
}

// Close ends the feed promptly, whether it is waiting in a blocking XREAD
// or retrying an unreachable Redis.
func TestCloseIsPrompt(t *testing.T) {
	env := newLogEnv(t)
	l, _ := env.open(t, freshPrefix(), ssehub.Retention{})
	time.Sleep(200 * time.Millisecond) // the feed is blocked in XREAD
	start := time.Now()
	l.Close()
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Errorf("Close with the feed blocked in XREAD took %v", d)
	}

	l, _ = env.open(t, freshPrefix(), ssehub.Retention{})
	env.srv.Stop()
	time.Sleep(300 * time.Millisecond) // the feed is retrying
	start = time.Now()
	l.Close()
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Errorf("Close with Redis down took %v", d)
	}
	if _, err := l.Append(context.Background(), broadcastMsg("x"), 0); !errors.Is(err, ssehub.ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
}
