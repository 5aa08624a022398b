package redis

import (
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/ssehub/ssehub"
)

// confirmReplicated returns once LogOptions.Replicas replicas hold what the
// feed has just read, so that it never delivers an entry a failover can
// lose. It writes on the feed's connection (the key Check writes), then
// WAITs: WAIT covers that write, which the server took after the entries.
// Fewer replicas in time is an error of the feed's step: the feed reads the
// same entries again after its backoff, and the node is not ready
// meanwhile (its publishes are refused anyway).
func (f *feed) confirmReplicated() error {
	n := f.log.replicas
	if n == 0 || f.conn == nil {
		return nil
	}
	acked := goredis.NewIntCmd(f.ctx, "wait", n, MaxReplicaWait.Milliseconds())
	_, err := f.conn.Pipelined(f.ctx, func(p goredis.Pipeliner) error {
		p.Set(f.ctx, f.log.keys.ready, string(f.log.origin), readyTTL)
		return p.Process(f.ctx, acked)
	})
	if err != nil {
		f.readFailed(err)
		return storeError("log feed (waiting for replicas)", err)
	}
	if got := acked.Val(); got < int64(n) {
		f.moved = time.Now() // it reads: waiting for replicas is not a stall (see checkStall)
		return fmt.Errorf("redis log feed: %w: %d of %d replicas hold the entries read within %v; they are delivered once enough do",
			ssehub.ErrUnavailable, got, n, MaxReplicaWait)
	}
	return nil
}
