package redis

import (
	"errors"
	"net"
	"slices"
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
// streams that opened before it. A probe (see kickProbe) checks that the
// subscription is on the server that takes writes; when it is not, the
// subscription is made anew.
func (c *Cluster) listenKicks() {
	probe := &kickProbe{channel: c.probeChannel()}
	subscribe := func() *goredis.PubSub {
		ps := c.rdb.Subscribe(c.ctx, c.keys.kickChannel, probe.channel)
		c.kicks.Store(ps) // for Close; one made after Close is closed below
		return ps
	}
	ps := subscribe()
	defer func() { ps.Close() }()
	for c.ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(c.ctx, kickProbeEvery)
		switch m := msg.(type) {
		case *goredis.Subscription:
			if m.Channel == c.keys.kickChannel {
				c.deaf.Store(nil)
				c.applyRememberedKicks()
			}
		case *goredis.Message:
			if m.Channel != probe.channel {
				c.applyKick(m.Payload)
			} else if probe.answered(m.Payload) {
				c.probed.Store(time.Now().UnixNano())
			}
		}
		var nerr net.Error
		switch now := time.Now(); {
		case err != nil && !(errors.As(err, &nerr) && nerr.Timeout()):
			if c.ctx.Err() == nil {
				c.deaf.Store(&err)
				c.outage(err)
				select {
				case <-c.ctx.Done():
				case <-time.After(kickRetry):
				}
			}
		case probe.overdue(now) || c.sendKickProbe(probe, now):
			err := errKickProbe
			c.deaf.Store(&err)
			c.logger.Warn("ssehub/redis: " + err.Error())
			ps.Close()
			ps = subscribe()
			probe.reset(now)
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

// applyRememberedKicks applies the kicks Redis remembers, oldest first:
// the newest KickLimit of those within KickMemory, the most it stores.
func (c *Cluster) applyRememberedKicks() {
	limit := c.node.KickLimit()
	if limit == 0 {
		return // the nodes record no kick
	}
	since := time.Now().Add(-c.opts.KickMemory).UnixMilli()
	kicks, err := c.rdb.ZRevRangeByScoreWithScores(c.ctx, c.keys.kickTimes(), &goredis.ZRangeBy{
		Min: strconv.FormatInt(since, 10), Max: "+inf", Count: int64(limit),
	}).Result()
	if err != nil {
		c.outage(err)
		return
	}
	for _, k := range slices.Backward(kicks) {
		if client, ok := k.Member.(string); ok {
			c.node.Kicked(client, time.UnixMilli(int64(k.Score)))
		}
	}
}
