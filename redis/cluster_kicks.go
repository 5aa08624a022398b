package redis

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// kickRetry is the wait before listening for kicks again after an error.
const kickRetry = 500 * time.Millisecond

// listenKicks applies the kicks other nodes publish. Pub/Sub loses what is
// published while a node is not subscribed, so each time the subscription
// is made (again) the node also applies every kick still remembered in
// Redis: applying one twice ends nothing more, since a kick only ends
// streams that opened before it.
func (c *Cluster) listenKicks(ps *goredis.PubSub) {
	for c.ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(c.ctx, c.opts.NodeTTL)
		switch m := msg.(type) {
		case *goredis.Subscription:
			c.applyRememberedKicks()
		case *goredis.Message:
			c.applyKick(m.Payload)
		}
		var nerr net.Error
		switch {
		case err == nil:
		case errors.As(err, &nerr) && nerr.Timeout():
			ps.Ping(c.ctx) // a quiet channel: make sure the connection still stands
		default:
			if c.ctx.Err() == nil {
				c.outage(err)
				select {
				case <-c.ctx.Done():
				case <-time.After(kickRetry):
				}
			}
		}
	}
}

// applyKick applies one "<node> <ms> <client>" message of another node.
func (c *Cluster) applyKick(payload string) {
	node, rest, _ := strings.Cut(payload, " ")
	ms, client, ok := strings.Cut(rest, " ")
	at, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil {
		c.logger.Warn("ssehub/redis: ignoring a malformed kick message", "payload", payload)
		return
	}
	if node != c.opts.Node {
		c.node.Kicked(client, time.UnixMilli(at))
	}
}

// applyRememberedKicks applies the kicks Redis remembers.
func (c *Cluster) applyRememberedKicks() {
	kicks, err := c.rdb.HGetAll(c.ctx, c.keys.kicks()).Result()
	if err != nil {
		c.outage(err)
		return
	}
	for client, ms := range kicks {
		if at, err := strconv.ParseInt(ms, 10, 64); err == nil && time.Since(time.UnixMilli(at)) <= c.opts.KickMemory {
			c.node.Kicked(client, time.UnixMilli(at))
		}
	}
}
