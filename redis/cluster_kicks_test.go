package redis_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/ssehub/ssehub/internal/redistest"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// kickKeys are the Redis keys of the kicks of the cluster named prefix.
func kickKeys(prefix string) (hash, times string) {
	return prefix + ":{presence}:kicks", prefix + ":{presence}:kicktimes"
}

// storedKicks returns the clients whose kicks the cluster named prefix
// keeps in Redis, oldest first, and how many its hash holds.
func storedKicks(t *testing.T, rdb goredis.UniversalClient, prefix string) (clients []string, hashLen int64) {
	t.Helper()
	hash, times := kickKeys(prefix)
	clients, err := rdb.ZRange(context.Background(), times, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	hashLen, err = rdb.HLen(context.Background(), hash).Result()
	if err != nil {
		t.Fatal(err)
	}
	return clients, hashLen
}

// kickVia kicks client with DELETE /clients/{id} on n.
func (n *node) kickVia(t *testing.T, client string) {
	t.Helper()
	if code, body := n.do(t, "DELETE", "/clients/"+client); code != http.StatusOK && code != http.StatusNotFound {
		t.Fatalf("DELETE /clients/%s: %d %s", client, code, body)
	}
}

// statusOf opens a stream on n for query and returns its status.
func (n *node) statusOf(t *testing.T, query string) int {
	t.Helper()
	resp, err := n.ts.Client().Get(n.ts.URL + "/sse?" + query)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func prefixOf(t *testing.T) string { return "t" + strings.ReplaceAll(t.Name(), "/", "_") }

// Without an Authorizer a kick ends the client's streams on every node and
// is stored nowhere: there is no credential to refuse.
func TestKickWithoutAuthorizerStoresNothing(t *testing.T) {
	a, b, _ := threeNodes(t, nodeConfig{})
	s := b.open(t, "id=alice")
	for i := range 20 {
		a.kickVia(t, fmt.Sprintf("c%d", i))
	}
	a.kickVia(t, "alice")
	if _, err := s.Ended(t); err == nil {
		t.Error("alice's stream on B did not end")
	}
	if clients, n := storedKicks(t, a.rdb, prefixOf(t)); len(clients) != 0 || n != 0 {
		t.Errorf("Redis keeps %d kicks by time and %d in its hash, want none", len(clients), n)
	}
	for _, n := range []*node{a, b} {
		if k := n.hub.Stats().Kicks; k != 0 {
			t.Errorf("%s remembers %d kicks, want none", n.cluster.Node(), k)
		}
	}
	b.open(t, "id=alice") // back at once
}

// Redis keeps at most KickLimit kicks, the newest: the oldest client comes
// back with its old credentials on any node, the newest cannot.
func TestKickLimitInRedis(t *testing.T) {
	a, _, c := threeNodes(t, nodeConfig{auth: issuedAt{}, kickLimit: 3})
	before := strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)
	for i := range 10 {
		a.kickVia(t, fmt.Sprintf("x%d", i))
		if clients, n := storedKicks(t, a.rdb, prefixOf(t)); len(clients) > 3 || n > 3 {
			t.Fatalf("after %d kicks Redis keeps %d by time and %d in its hash, over the limit of 3", i+1, len(clients), n)
		}
	}
	clients, n := storedKicks(t, a.rdb, prefixOf(t))
	if want := []string{"x7", "x8", "x9"}; !slices.Equal(clients, want) || n != 3 {
		t.Errorf("Redis keeps the kicks of %v (%d in its hash), want the newest %v", clients, n, want)
	}
	if code := c.statusOf(t, "id=x9&issued="+before); code != http.StatusUnauthorized {
		t.Errorf("on C, x9 with credentials older than its kick: %d, want 401", code)
	}
	ssetest.Eventually(t, "x0, whose kick was forgotten, accepted on C", func() bool {
		return c.statusOf(t, "id=x0&issued="+before) == http.StatusOK
	})
}

// A node that joins a Redis holding more kicks than its KickLimit (written
// by an older version, which kept every one) remembers the newest
// KickLimit of them, forgetting none it read, and trims Redis to those.
func TestKickReplayBoundedByLimit(t *testing.T) {
	srv := redistest.Start(t)
	prefix := prefixOf(t)
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	hash, times := kickKeys(prefix)
	now := time.Now()
	for i := range 10 {
		at := now.Add(time.Duration(i-10) * time.Second).UnixMilli()
		id := fmt.Sprintf("old%d", i)
		if err := rdb.HSet(context.Background(), hash, id, at).Err(); err != nil {
			t.Fatal(err)
		}
		rdb.ZAdd(context.Background(), times, goredis.Z{Score: float64(at), Member: id})
	}
	d := startNode(t, srv, prefix, nodeConfig{auth: issuedAt{}, kickLimit: 3})
	ssetest.Eventually(t, "the newest 3 kicks replayed", func() bool { return d.hub.Stats().Kicks == 3 })
	if st := d.hub.Stats(); st.KicksEvicted != 0 {
		t.Errorf("the node forgot %d replayed kicks, want 0: it must read only its limit", st.KicksEvicted)
	}
	ssetest.Eventually(t, "Redis trimmed to the limit by the node's refresh", func() bool {
		clients, n := storedKicks(t, rdb, prefix)
		return slices.Equal(clients, []string{"old7", "old8", "old9"}) && n == 3
	})
}

// Kicks older than KickMemory leave Redis on the nodes' refresh, with no
// other kick to make room.
func TestKicksExpireInRedis(t *testing.T) {
	srv := redistest.Start(t)
	prefix := prefixOf(t)
	a := startNode(t, srv, prefix, nodeConfig{auth: issuedAt{}, ttl: time.Second, kickMemory: 500 * time.Millisecond})
	a.kickVia(t, "alice")
	a.kickVia(t, "bob")
	if clients, _ := storedKicks(t, a.rdb, prefix); len(clients) != 2 {
		t.Fatalf("Redis keeps %v, want alice's and bob's kicks", clients)
	}
	ssetest.Eventually(t, "the expired kicks gone from Redis", func() bool {
		clients, n := storedKicks(t, a.rdb, prefix)
		return len(clients) == 0 && n == 0
	})
}
