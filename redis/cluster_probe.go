package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// The kick subscription is checked end to end: every kickProbeEvery the
// listener publishes a probe on its own channel through the ordinary
// client, which writes to the server that takes writes now, and expects it
// back on its subscription within kickProbeWait. A subscription that
// errors is re-made by the Pub/Sub client; one that silently sits on a
// server that is no longer the primary is not: a primary that hangs
// (SIGSTOP, a frozen VM) is failed over while the connections to it stay
// open, and a hung or demoted primary receives no kick published on the
// new one. Without the probe such a node would miss every kick, with
// /readyz green, until the old server closed the connection.
//
// Check (/readyz) reports the node not ready while no probe came back for
// kickProbeStale: it cannot then promise that a kick reaches it.
const (
	kickProbeEvery = time.Second
	kickProbeWait  = 2 * time.Second
	kickProbeStale = kickProbeEvery + 2*kickProbeWait
)

// errKickProbe says why the kick channel is taken for deaf (see Check).
var errKickProbe = errors.New("the kick subscription is not on the server that takes writes (a failover, or a hung server): a probe published there did not come back within " + kickProbeWait.String() + "; subscribing again")

// kickProbe is the listener's probe state; only listenKicks uses it.
type kickProbe struct {
	channel string    // this node's probe channel
	n       uint64    // the last probe sent
	sent    time.Time // when it was sent; zero: none outstanding
	last    time.Time // when the last probe was sent or answered
}

// answered notes a probe received back; it reports whether it was the one
// outstanding.
func (p *kickProbe) answered(payload string) bool {
	if p.sent.IsZero() || payload != strconv.FormatUint(p.n, 10) {
		return false
	}
	p.sent = time.Time{}
	return true
}

// heard returns why the kick channel is taken for deaf (nil: it is not):
// no probe came back for kickProbeStale.
func (c *Cluster) heard() error {
	probed := c.probed.Load()
	if probed == 0 {
		return nil // not joined yet: nothing listens
	}
	if since := time.Since(time.Unix(0, probed)); since > kickProbeStale {
		return fmt.Errorf("no probe came back on the kick subscription for %v", since.Round(100*time.Millisecond))
	}
	return nil
}

// overdue reports whether the outstanding probe is late.
func (p *kickProbe) overdue(now time.Time) bool {
	return !p.sent.IsZero() && now.Sub(p.sent) > kickProbeWait
}

// reset forgets the outstanding probe (after subscribing anew).
func (p *kickProbe) reset(now time.Time) { p.sent, p.last = time.Time{}, now }

// sendKickProbe publishes the next probe when one is due. A publish that
// fails leaves nothing outstanding: Redis does not take writes, which Check
// reports by itself; the probe tests the subscription, not the primary. It
// reports true when the server that took the probe says at once that the
// subscription is not there (see notHere).
func (c *Cluster) sendKickProbe(p *kickProbe, now time.Time) (notHere bool) {
	if !p.sent.IsZero() || now.Sub(p.last) < kickProbeEvery {
		return false
	}
	p.n++
	p.last = now
	ctx, cancel := context.WithTimeout(c.ctx, DialTimeout)
	defer cancel()
	n, err := c.rdb.Publish(ctx, p.channel, strconv.FormatUint(p.n, 10)).Result()
	if err != nil {
		return false
	}
	p.sent = now
	return c.notHere(n)
}

// notHere reports whether a PUBLISH on this node's probe channel that
// reached n subscribers proves that the node's subscription is not on the
// server that took it. Outside a Redis Cluster it does when n is 0: the
// probe channel has one subscriber, this node. In a cluster a PUBLISH
// counts only the subscribers of the node that took it, and the
// subscription may be on another: only the probe's coming back tells.
func (c *Cluster) notHere(n int64) bool {
	_, cluster := c.rdb.(*goredis.ClusterClient)
	return n == 0 && !cluster
}

// probeChannel is this node's probe channel.
func (c *Cluster) probeChannel() string { return c.keys.kickChannel + ":probe:" + c.opts.Node }

// subscribedHere returns an error when the server taking writes now does
// not hold this node's kick subscription (outside a Redis Cluster, where a
// PUBLISH says so at once; see notHere).
func (c *Cluster) subscribedHere(ctx context.Context) error {
	if _, cluster := c.rdb.(*goredis.ClusterClient); cluster {
		return nil
	}
	n, err := c.rdb.Publish(ctx, c.probeChannel(), "check").Result()
	if err == nil && c.notHere(n) {
		return errors.New("the kick subscription is not on the server that takes writes (a failover): it is being made again")
	}
	return err
}
