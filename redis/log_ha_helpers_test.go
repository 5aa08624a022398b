package redis

import (
	"context"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/redistest"
)

// failoverWait bounds a failover in these tests: Sentinel's detection (1 s
// down-after, then an election) or a cluster's (1 s node timeout), and the
// clients finding the new primary.
// A few seconds normally; 60 s leaves room for a sentinel's TILT mode (30 s
// without failovers after a busy machine stalled it).
const failoverWait = 60 * time.Second

// openClient opens a client on o, as the hub does (Open), closed when t
// ends.
func openClient(t testing.TB, o Options) goredis.UniversalClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	client, err := Open(ctx, o)
	if err != nil {
		t.Fatalf("Open(%s): %v", o.Mode(), err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// sentinelOptions are the Options of a node on s.
func sentinelOptions(s *redistest.Sentinel) Options {
	return Options{Sentinels: s.SentinelAddrs(), MasterName: s.MasterName}
}

// twoLogs opens one log under a fresh prefix on two clients of o, as two
// nodes do, with a recorder each.
func twoLogs(t testing.TB, o Options) (a *Log, recA *logRecorder, b *Log, recB *logRecorder) {
	t.Helper()
	prefix := freshPrefix()
	a, recA = (&logEnv{client: openClient(t, o)}).open(t, prefix, ssehub.Retention{})
	b, recB = (&logEnv{client: openClient(t, o)}).open(t, prefix, ssehub.Retention{})
	return a, recA, b, recB
}

// appendThrough appends m, retrying on ErrUnavailable (a failover in
// progress) until it is accepted or failoverWait has passed; it returns
// the entry and how long the log refused appends.
func appendThrough(t testing.TB, l *Log, m *ssehub.Message) (*ssehub.Entry, time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		e, err := l.Append(ctx, m, 0)
		cancel()
		if err == nil {
			return e, time.Since(start)
		}
		if !errors.Is(err, ssehub.ErrUnavailable) {
			t.Fatalf("Append %q: %v, want success or ErrUnavailable", m.Data, err)
		}
		if time.Since(start) > failoverWait {
			t.Fatalf("Append %q still fails after %v: %v", m.Data, failoverWait, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitCheck waits until l.Check answers as want says (nil: ready), within
// failoverWait, and returns how long that took.
func waitCheck(t testing.TB, l *Log, ready bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		err := l.Check(context.Background())
		if (err == nil) == ready {
			return time.Since(start)
		}
		if time.Since(start) > failoverWait {
			t.Fatalf("Log.Check = %v after %v, want ready=%v", err, failoverWait, ready)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
