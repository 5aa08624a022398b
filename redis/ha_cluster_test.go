package redis_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/redistest"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/redis"
)

// haWait bounds how long presence and kicks may take to work again after
// a failover (detection, promotion, the clients finding the new primary).
// A few seconds normally; 60 s leaves room for a sentinel's TILT mode (30 s
// without failovers after a busy machine stalled it).
const haWait = 60 * time.Second

// nodesOn starts three nodes of one cluster, each with its own client on o.
func nodesOn(t *testing.T, o redis.Options) (a, b, c *node) {
	t.Helper()
	start := func() *node {
		rdb, err := redis.Open(context.Background(), o)
		if err != nil {
			t.Fatalf("Open(%s): %v", o.Mode(), err)
		}
		return startNodeOn(t, rdb, prefixOf(t), nodeConfig{ttl: 3 * time.Second})
	}
	return start(), start(), start()
}

// checkPresenceAndKicks opens a stream of a fresh client on b and c and
// checks that a sees both (within haWait: a failover may be under way),
// then kicks the client from a and checks that both streams end.
func checkPresenceAndKicks(t *testing.T, client string, a, b, c *node) {
	t.Helper()
	deadline := time.Now().Add(haWait)
	for _, n := range []*node{a, b, c} {
		// As a load balancer does: a node is sent clients once it is ready.
		for n.cluster.Check(context.Background()) != nil {
			if time.Now().After(deadline) {
				t.Fatalf("%s not ready within %v: %v", n.cluster.Node(), haWait, n.cluster.Check(context.Background()))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	onB, onC := b.open(t, "id="+client), c.open(t, "id="+client)
	for {
		code, body := a.do(t, "GET", "/clients/"+client)
		if code == http.StatusOK && contains(body, `"connections":2`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("A does not see %s's 2 streams on B and C within %v: %d %s", client, haWait, code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for {
		code, body := a.do(t, "DELETE", "/clients/"+client)
		if code == http.StatusOK {
			break
		}
		if code != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("DELETE /clients/%s on A: %d %s", client, code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for name, s := range map[string]*ssetest.Stream{"B": onB, "C": onC} {
		if _, err := s.Ended(t); err != io.EOF {
			t.Errorf("%s's stream on %s ended with %v after the kick on A, want a clean end", client, name, err)
		}
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

// Presence and kicks on Sentinel, before and after kill -9 of the primary:
// the nodes follow the failover without a restart.
func TestSentinelPresenceAndKicksFollowFailover(t *testing.T) {
	s := redistest.StartSentinel(t, 2, 3)
	a, b, c := nodesOn(t, redis.Options{Sentinels: s.SentinelAddrs(), MasterName: s.MasterName})
	checkPresenceAndKicks(t, "alice", a, b, c)
	old := s.Kill9Primary()
	s.WaitFailover(old, haWait)
	checkPresenceAndKicks(t, "bob", a, b, c)
}

// Presence and kicks on a Redis Cluster, before and after the master of the
// presence's slot hands over to its replica, and after it is killed.
func TestRedisClusterPresenceAndKicksFollowFailover(t *testing.T) {
	rc := redistest.StartCluster(t)
	a, b, c := nodesOn(t, redis.Options{Cluster: rc.Addrs()})
	checkPresenceAndKicks(t, "alice", a, b, c)
	slot := prefixOf(t) + ":{presence}:totals"
	rc.FailoverSlotOf(slot)
	checkPresenceAndKicks(t, "bob", a, b, c)
	rc.Kill9MasterOf(slot)
	checkPresenceAndKicks(t, "carol", a, b, c)
}

// A hung primary (SIGSTOP, not dead: its connections stay open and nothing
// answers) is failed over by the sentinels; the nodes' kick subscriptions,
// which sat on it, must move to the new primary too: once the nodes are
// ready again, a kick ends the client's streams on every node. Before the
// kick probe, they stayed on the hung server with /readyz green, deaf to
// every kick until that server closed the connection.
func TestSentinelKicksFollowHungPrimary(t *testing.T) {
	s := redistest.StartSentinel(t, 2, 3)
	a, b, c := nodesOn(t, redis.Options{Sentinels: s.SentinelAddrs(), MasterName: s.MasterName})
	checkPresenceAndKicks(t, "alice", a, b, c)
	old := s.FreezePrimary()
	s.WaitFailover(old, haWait)
	checkPresenceAndKicks(t, "bob", a, b, c)
}
