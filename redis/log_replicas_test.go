package redis

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/redistest"
)

// A replicated is a primary redis-server with replicas following it.
type replicated struct {
	*logEnv
	replicas []*redistest.Server
}

// newReplicated starts a primary and n replicas of it, and waits until the
// primary counts them all.
func newReplicated(t testing.TB, n int) *replicated {
	t.Helper()
	r := &replicated{logEnv: newLogEnv(t)}
	// A full sync waits 5 s by default for more replicas to share it.
	if err := r.client.ConfigSet(context.Background(), "repl-diskless-sync-delay", "0").Err(); err != nil {
		t.Fatal(err)
	}
	for range n {
		srv := redistest.Start(t)
		r.replicas = append(r.replicas, srv)
		r.follow(t, srv)
	}
	r.waitReplicas(t, n)
	return r
}

// follow makes srv a replica of the primary.
func (r *replicated) follow(t testing.TB, srv *redistest.Server) {
	t.Helper()
	c := dialLogTest(t, srv)
	host, port, _ := strings.Cut(r.srv.Addr(), ":")
	if err := c.ReplicaOf(context.Background(), host, port).Err(); err != nil {
		t.Fatalf("REPLICAOF %s on %s: %v", r.srv.Addr(), srv.Addr(), err)
	}
}

// waitReplicas waits until the primary has n replicas online and in sync.
func (r *replicated) waitReplicas(t testing.TB, n int) {
	t.Helper()
	eventually(t, strconv.Itoa(n)+" replicas online", func() bool {
		info, err := r.client.Info(context.Background(), "replication").Result()
		return err == nil && strings.Count(info, "state=online") == n
	})
}

// openReplicated opens a log that waits for n replicas per append.
func (r *replicated) openReplicated(t testing.TB, n int) (*Log, *logRecorder) {
	t.Helper()
	rec := &logRecorder{}
	l, err := newLog(context.Background(), r.client, LogOptions{Prefix: freshPrefix(), Replicas: n, Logger: rec.logger()}, defaultTuning)
	if err != nil {
		t.Fatal(err)
	}
	l.Listen(rec)
	t.Cleanup(func() { l.Close() })
	return l, rec
}

// With -redis-replicas 1, an acknowledged append is on the replica when
// Append returns: merged appends from many publishers, batches and
// idempotent appends alike.
func TestReplicasHoldAcknowledged(t *testing.T) {
	r := newReplicated(t, 1)
	l, rec := r.openReplicated(t, 1)
	if w := rec.logged(slog.LevelWarn); len(w) > 0 {
		t.Errorf("warnings when a log waiting for its one replica opens: %q", w)
	}
	replica := dialLogTest(t, r.replicas[0])
	onReplica := func(seq uint64) bool {
		id := strconv.FormatUint(seq, 10) + "-0"
		es, err := replica.XRange(context.Background(), l.keys.stream, id, id).Result()
		return err == nil && len(es) == 1
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				e, err := l.Append(context.Background(), broadcastMsg("m"), 0)
				if err != nil {
					t.Errorf("publisher %d, append %d: %v", g, i, err)
					return
				}
				if !onReplica(e.Seq) {
					t.Errorf("entry %d acknowledged but not on the replica", e.Seq)
				}
			}
		})
	}
	wg.Wait()
	es, _, err := l.AppendOnce(context.Background(), "k", [32]byte{1}, []*ssehub.Message{broadcastMsg("a"), broadcastMsg("b")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if !onReplica(e.Seq) {
			t.Errorf("idempotent entry %d acknowledged but not on the replica", e.Seq)
		}
	}
	if n := l.ReplicaWaitTimeouts(); n != 0 {
		t.Errorf("ReplicaWaitTimeouts = %d with the replica online, want 0", n)
	}
}

// When the replica does not confirm within the publish's deadline, the
// append fails with ErrUnavailable and says what the publisher must do.
// The entry is in the log all the same, but the feed delivers it only once
// the replica holds it; a retry with the same key, once the replica is
// back, gets the same receipt.
func TestReplicaTimeout(t *testing.T) {
	r := newReplicated(t, 1)
	l, rec := r.openReplicated(t, 1)
	key, digest := "retry-me", [32]byte{7}
	msgs := []*ssehub.Message{broadcastMsg("wait for me")}
	before := mustAppendLog(t, l, broadcastMsg("before"))

	r.replicas[0].Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	start := time.Now()
	_, _, err := l.AppendOnce(ctx, key, digest, msgs, nil)
	cancel()
	took := time.Since(start)
	t.Logf("AppendOnce without its replica: %v after %v", err, took)
	if !errors.Is(err, ssehub.ErrUnavailable) || !errors.Is(err, ErrReplicaTimeout) {
		t.Fatalf("AppendOnce without its replica: %v, want ErrUnavailable and ErrReplicaTimeout", err)
	}
	if !strings.Contains(err.Error(), "the event may still appear; retry with the same Idempotency-Key") {
		t.Errorf("error %q does not tell the publisher to retry with the same key", err)
	}
	if took > time.Second {
		t.Errorf("AppendOnce took %v with a 400ms deadline", took)
	}
	if n := l.ReplicaWaitTimeouts(); n != 1 {
		t.Errorf("ReplicaWaitTimeouts = %d, want 1", n)
	}
	xs, err := r.client.XRevRangeN(context.Background(), l.keys.stream, "+", "-", 1).Result()
	if err != nil || len(xs) != 1 {
		t.Fatalf("the log's newest entry: %v %v", xs, err)
	}
	appended, err := decodeEntry(xs[0])
	if err != nil || string(appended.Data) != "wait for me" || appended.Seq != before.Seq+1 {
		t.Fatalf("the log's newest entry after the refused append: %+v %v, want it", appended, err)
	}
	time.Sleep(300 * time.Millisecond)
	if got := rec.delivered(); got[len(got)-1].Seq != before.Seq {
		t.Fatalf("the feed delivered entry %d, which no replica holds", got[len(got)-1].Seq)
	}
	// A merged append (no key) times out the same way, at MaxReplicaWait
	// without a deadline.
	start = time.Now()
	if _, err := l.Append(context.Background(), broadcastMsg("merged"), 0); !errors.Is(err, ErrReplicaTimeout) {
		t.Errorf("Append without its replica: %v, want ErrReplicaTimeout", err)
	}
	if took := time.Since(start); took < MaxReplicaWait-100*time.Millisecond || took > MaxReplicaWait+time.Second {
		t.Errorf("Append without a deadline gave up after %v, want about MaxReplicaWait (%v)", took, MaxReplicaWait)
	}

	// The feed waits for the replica longer than a stall's bound: it reads,
	// so it is not a stall.
	time.Sleep(time.Until(start.Add(feedStall + MaxReplicaWait + 500*time.Millisecond)))
	if s := l.FailoverStats(); s.FeedStalled != 0 || s.FeedErrors != 0 {
		t.Errorf("the feed, waiting for the replica, was re-established: %+v", s)
	}
	r.replicas[0].Start()
	r.follow(t, r.replicas[0])
	r.waitReplicas(t, 1)
	rec.waitSeq(t, appended.Seq) // replicated now: delivered
	if got := rec.delivered(); string(got[1].Data) != "wait for me" {
		t.Errorf("the feed delivered %q after the replica came back", got[1].Data)
	}
	es, earlier, err := l.AppendOnce(context.Background(), key, digest, msgs, nil)
	if err != nil || es != nil || len(earlier) != 1 || earlier[0] != appended.Seq {
		t.Fatalf("retry with the same key: entries %v, earlier %v, %v; want earlier [%d]", es, earlier, err, appended.Seq)
	}
	if _, _, err := l.AppendOnce(context.Background(), key, [32]byte{8}, msgs, nil); !errors.Is(err, ssehub.ErrKeyReused) {
		t.Errorf("same key, other digest: %v, want ErrKeyReused", err)
	}
	if n := l.ReplicaWaitTimeouts(); n != 2 {
		t.Errorf("ReplicaWaitTimeouts = %d, want 2", n)
	}
}

// A log's primary has fewer replicas than it waits for: the log says so
// when it opens, and every append is refused, none hangs.
func TestReplicasMissing(t *testing.T) {
	r := newReplicated(t, 1)
	l, rec := r.openReplicated(t, 2)
	if w := rec.logged(slog.LevelWarn); len(w) != 1 || !strings.Contains(w[0], "fewer replicas") {
		t.Errorf("warnings when a log waiting for 2 replicas of 1 opens: %q, want one about it", w)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := l.AppendBatch(ctx, []*ssehub.Message{broadcastMsg("a"), broadcastMsg("b")}, nil)
	if !errors.Is(err, ErrReplicaTimeout) {
		t.Errorf("AppendBatch waiting for 2 replicas of 1: %v, want ErrReplicaTimeout", err)
	}
}

func TestReplicasOption(t *testing.T) {
	env := newLogEnv(t)
	for _, n := range []int{-1, MaxReplicas + 1} {
		if l, err := NewLog(context.Background(), env.client, LogOptions{Prefix: freshPrefix(), Replicas: n}); err == nil {
			l.Close()
			t.Errorf("NewLog with Replicas %d: no error", n)
		}
	}
}

// primaryClient refuses a client it cannot send WAIT through.
func TestPrimaryClientRing(t *testing.T) {
	ring := goredis.NewRing(&goredis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	defer ring.Close()
	if _, err := primaryClient(context.Background(), ring, "k"); err == nil {
		t.Error("primaryClient of a Ring: no error")
	}
}
