package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/ssehub/ssehub"
)

// With LogOptions.Replicas N > 0, an append is acknowledged only once N
// replicas of the primary hold it: the append script is followed by
// WAIT N timeout on the same connection, in one pipeline (one round trip).
// WAIT covers everything the connection wrote, so it covers the script's
// entries, and Sentinel promotes the replica with the most recent
// replication offset: an acknowledged entry survives the primary's death.
// Merged appends share one script call, so they share one WAIT.
//
// The feed, which reads the primary, delivers what it read only once as
// many replicas hold it (confirmReplicated): otherwise a stream could get
// the entry of an append that was refused for want of replicas, that the
// failover then lost, and that the publisher's retry appended again: the
// same event twice, under two ids.
//
// When fewer replicas confirm in time the entries are in the log all the
// same (the feeds deliver them once replicas hold them; a failover may
// lose them first): the append
// fails with ErrUnavailable, and a publisher that retries with the same
// idempotency key gets the same receipt, with a WAIT of its own (the
// script's earlier reply rewrites the key, so that it is a write WAIT
// counts).

// Bounds of the WAIT after an append.
const (
	// MaxReplicaWait is WAIT's timeout for a publish whose context has no
	// deadline, or a later one: long enough for a replica across a
	// network under load, short enough that a publisher learns of a lost
	// replica within a few seconds, and below ReadTimeout, so that a
	// connection is never given up while Redis is still waiting.
	MaxReplicaWait = 2 * time.Second
	// MaxReplicas bounds LogOptions.Replicas.
	MaxReplicas = 16
	// replicaWaitMargin is kept from a publish's deadline for the round
	// trip of the answer, and for Redis's timing of WAIT, which checks its
	// timeouts about every 100 ms.
	replicaWaitMargin = 150 * time.Millisecond
)

// ErrReplicaTimeout is wrapped, with ssehub.ErrUnavailable, by the error of
// an append that fewer replicas than LogOptions.Replicas confirmed in time.
// Its text is what the publisher must know.
var ErrReplicaTimeout = errors.New("the event may still appear; retry with the same Idempotency-Key")

// ReplicaWaitTimeouts returns how many appends (merged appends count once)
// fewer replicas than LogOptions.Replicas confirmed in time.
func (l *Log) ReplicaWaitTimeouts() uint64 { return l.replicaTimeouts.Load() }

// replicaWait returns WAIT's timeout for an append that must be answered
// by until (zero: no deadline).
func replicaWait(until time.Time) time.Duration {
	w := MaxReplicaWait
	if !until.IsZero() {
		w = min(w, time.Until(until)-replicaWaitMargin)
	}
	return max(w, time.Millisecond) // WAIT 0 would wait for ever
}

// earliest returns the earlier of a and b, the zero time meaning none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// loadForReplicas loads the append script when appends wait for replicas:
// they run it by its hash (see evalThenWait), and a NOSCRIPT costs them a
// second WAIT. A new primary after a failover may not have it yet: the
// first append there loads it. It warns when the primary has fewer
// replicas than the appends wait for: they will all be refused.
func (l *Log) loadForReplicas(ctx context.Context) error {
	if l.replicas == 0 {
		return nil
	}
	if err := appendScript.Load(ctx, l.client).Err(); err != nil {
		return storeError("log load the append script", err)
	}
	primary, err := primaryClient(ctx, l.client, l.keys.stream)
	if err != nil {
		return storeError("log find the primary", err)
	}
	info, err := primary.Info(ctx, "replication").Result()
	if err != nil {
		return storeError("log count the replicas", err)
	}
	if n := strings.Count(info, ",state=online,"); n < l.replicas {
		l.logger.Warn("redis log: the primary has fewer replicas online than the appends wait for: publishes are refused (503) until enough follow it",
			"replicas", n, "want", l.replicas)
	}
	return nil
}

// evalReplicated runs the append script, then WAIT for l.replicas,
// on one connection to the primary of the log's keys, and returns the
// script's reply.
func (l *Log) evalReplicated(ctx context.Context, keys []string, args []any, until time.Time) ([]any, error) {
	primary, err := primaryClient(ctx, l.client, keys[0])
	if err != nil {
		return nil, storeError("log append", err)
	}
	wait := replicaWait(until)
	// The connection waits for WAIT's answer past a publish's deadline or
	// cancellation: Redis times WAIT out only every 100 ms or so (hz 10),
	// and a read given up would break the connection.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wait+WriteTimeout)
	defer cancel()
	eval, acked := evalThenWait(ctx, primary, keys, args, l.replicas, wait)
	if goredis.HasErrorPrefix(eval.Err(), "NOSCRIPT") { // a new primary: nothing ran
		if err := appendScript.Load(ctx, primary).Err(); err != nil {
			return nil, storeError("log append", err)
		}
		eval, acked = evalThenWait(ctx, primary, keys, args, l.replicas, wait)
	}
	reply, err := eval.Slice()
	if err != nil {
		reloadSlots(ctx, l.client)
		return nil, storeError("log append", err)
	}
	if kind, _ := field(reply, 0); kind == "reused" {
		return reply, nil // nothing written: nothing to wait for
	}
	n, err := acked.Result()
	if err != nil {
		reloadSlots(ctx, l.client)
		return nil, storeError("log append (waiting for replicas)", err)
	}
	if n < int64(l.replicas) {
		l.replicaTimeouts.Add(1)
		return nil, fmt.Errorf("redis log append: %w: %d of %d replicas confirmed it within %v: %w",
			ssehub.ErrUnavailable, n, l.replicas, wait.Round(time.Millisecond), ErrReplicaTimeout)
	}
	return reply, nil
}

// evalThenWait sends the append script and WAIT n wait in one pipeline,
// which a *goredis.Client runs on one connection, as WAIT needs.
func evalThenWait(ctx context.Context, c *goredis.Client, keys []string, args []any, n int, wait time.Duration) (*goredis.Cmd, *goredis.IntCmd) {
	pipe := c.Pipeline()
	eval := appendScript.EvalSha(ctx, pipe, keys, args...)
	acked := goredis.NewIntCmd(ctx, "wait", n, wait.Milliseconds())
	_ = pipe.Process(ctx, acked) // queued: Exec sends it
	_, _ = pipe.Exec(ctx)        // each command holds its own error
	return eval, acked
}

// primaryClient returns the client of the primary that holds key: c
// itself, or on a Redis Cluster the client of the master of key's slot.
// A cluster client would send WAIT, which names no key, to any node.
func primaryClient(ctx context.Context, c goredis.UniversalClient, key string) (*goredis.Client, error) {
	switch c := c.(type) {
	case *goredis.Client:
		return c, nil
	case *goredis.ClusterClient:
		return c.MasterForKey(ctx, key)
	}
	return nil, fmt.Errorf("redis log: -redis-replicas needs a client of one primary or a cluster client, not %T", c)
}

// reloadSlots has a cluster client reload its map of the slots after an
// append to the master it named failed: the slot may have moved (MOVED, a
// master gone), and the client learns of it only through its own commands,
// which the append bypassed.
func reloadSlots(ctx context.Context, c goredis.UniversalClient) {
	if cc, ok := c.(*goredis.ClusterClient); ok {
		cc.ReloadState(ctx)
	}
}
