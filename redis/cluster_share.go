package redis

import (
	"context"
	"encoding/json"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// share is the node's one writer of its presence: it flushes the clients
// whose streams changed (coalescing the changes of a connect storm into a
// few round trips) and refreshes the node's liveness record every
// NodeTTL/5. After a failure (Redis unreachable, or restarted empty, or the
// node's record reaped because it looked dead) it rewrites the node's whole
// presence from the node's own state, the authority, once Redis answers.
func (c *Cluster) share() {
	refresh := time.NewTicker(c.opts.NodeTTL / 5)
	defer refresh.Stop()
	rewrite := true // the first write is a whole one: it replaces what an earlier node of this name left
	due := true     // the liveness record is to be refreshed: on the ticker, and with every rewrite
	for {
		if (due || rewrite) && !c.refresh() {
			rewrite = true
		}
		if rewrite {
			rewrite = !c.rewrite()
		} else {
			rewrite = !c.flush()
		}
		select {
		case <-c.ctx.Done():
			return
		case <-c.wake:
			due = false // a change alone costs one round trip, not two
		case <-refresh.C:
			due = true
		}
	}
}

// refresh renews the node's liveness record, forgets the nodes whose record
// expired and the kicks older than KickMemory or beyond the node's
// KickLimit (refreshForget at most). It reports false when the
// record had to be created anew (the node had been taken for dead, or Redis
// lost it) or Redis could not be reached: the node's presence must be
// rewritten.
func (c *Cluster) refresh() bool {
	ctx, cancel := context.WithTimeout(c.ctx, DialTimeout)
	defer cancel()
	kept, err := c.keys.refresh.Run(ctx, c.rdb, c.keys.route(), c.opts.Prefix, c.opts.Node,
		c.opts.NodeTTL.Milliseconds(), c.opts.KickMemory.Milliseconds(), c.nodeCount(), c.node.KickLimit(), refreshForget).Int()
	if err != nil {
		c.outage(err)
		return false
	}
	return kept == 1
}

// takeDirty returns the clients changed since the last call, and the channel
// to close once they are written.
func (c *Cluster) takeDirty() (map[string]struct{}, chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	dirty, done := c.dirty, c.flushed
	c.dirty, c.flushed = make(map[string]struct{}), make(chan struct{})
	return dirty, done
}

// flush writes the streams of the clients that changed, as the node has them
// now. It reports false if Redis could not be reached.
func (c *Cluster) flush() bool {
	dirty, done := c.takeDirty()
	defer close(done)
	if len(dirty) == 0 {
		return true
	}
	ctx, cancel := context.WithTimeout(c.ctx, 2*DialTimeout)
	defer cancel()
	k := c.keys.node(c.opts.Node)
	pipe := c.rdb.Pipeline()
	for client := range dirty {
		c.writeClient(ctx, pipe, k, client)
	}
	pipe.HSet(ctx, c.keys.totals, c.opts.Node, c.nodeCount())
	if _, err := pipe.Exec(ctx); err != nil {
		c.outage(err)
		return false
	}
	c.recovered()
	return true
}

// rewrite replaces the node's presence with its whole current state,
// written to new keys that then take the old ones' place at once.
func (c *Cluster) rewrite() bool {
	_, done := c.takeDirty() // the whole state includes them
	defer close(done)
	ctx, cancel := context.WithTimeout(c.ctx, 10*DialTimeout)
	defer cancel()
	live, next := c.keys.node(c.opts.Node), c.keys.node(c.opts.Node+":next")
	pipe := c.rdb.Pipeline()
	pipe.Del(ctx, next.ids, next.counts, next.streams)
	n := 0
	for _, client := range c.clients() {
		c.writeClient(ctx, pipe, next, client)
		if n++; n%1000 == 0 { // bounded pipelines
			if _, err := pipe.Exec(ctx); err != nil {
				c.outage(err)
				return false
			}
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		c.outage(err)
		return false
	}
	keys := []string{next.ids, next.counts, next.streams, live.ids, live.counts, live.streams, c.keys.totals}
	err := c.keys.swap.Run(ctx, c.rdb, keys, c.opts.Node, c.nodeCount()).Err()
	if err != nil {
		c.outage(err)
		return false
	}
	c.recovered()
	return true
}

// writeClient queues the commands that record client's streams on this
// node under k.
func (c *Cluster) writeClient(ctx context.Context, pipe goredis.Pipeliner, k nodeKeys, client string) {
	streams := c.node.Streams(client)
	if len(streams) == 0 {
		pipe.ZRem(ctx, k.ids, client)
		pipe.HDel(ctx, k.counts, client)
		pipe.HDel(ctx, k.streams, client)
		return
	}
	info, _ := json.Marshal(streams) // StreamInfo always marshals
	pipe.ZAdd(ctx, k.ids, goredis.Z{Member: client})
	pipe.HSet(ctx, k.counts, client, len(streams))
	pipe.HSet(ctx, k.streams, client, info)
}

func (c *Cluster) clients() []string { return c.node.Clients() }

func (c *Cluster) nodeCount() int { return c.node.Count() }
