package redis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/redistest"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/redis"
)

// node is one hub of a test cluster, served by its own HTTP server with the
// standalone API, as cmd/ssehub serves it.
type node struct {
	hub     *ssehub.Hub
	cluster *redis.Cluster
	ts      *httptest.Server
	rdb     goredis.UniversalClient
	crashed bool
}

// crash cuts the node off Redis for good, as if its process were killed:
// its record stays until it expires.
func (n *node) crash() {
	n.crashed = true
	n.rdb.Close()
}

// nodeConfig is what a test may vary between its nodes.
type nodeConfig struct {
	ttl    time.Duration
	limits ssehub.Limits
	auth   ssehub.Authorizer
	log    func(t testing.TB) ssehub.Log // nil: a memory log of the node's own

	kickLimit  int           // ssehub.Config.KickLimit
	kickMemory time.Duration // of the hub and of its Cluster
}

// startNode starts a node of the cluster named prefix on srv.
func startNode(t testing.TB, srv *redistest.Server, prefix string, nc nodeConfig) *node {
	t.Helper()
	rdb, err := redis.Dial(context.Background(), srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	return startNodeOn(t, rdb, prefix, nc)
}

// startNodeOn starts a node of the cluster named prefix on the Redis rdb
// talks to; the node closes rdb when t ends.
func startNodeOn(t testing.TB, rdb goredis.UniversalClient, prefix string, nc nodeConfig) *node {
	t.Helper()
	cl := redis.NewCluster(rdb, redis.ClusterOptions{Prefix: prefix, NodeTTL: nc.ttl, KickMemory: nc.kickMemory})
	var log ssehub.Log = ssehub.NewMemoryLog(ssehub.Retention{})
	if nc.log != nil {
		log = nc.log(t)
	}
	h := ssehub.New(ssehub.Config{Log: log, Cluster: cl, Limits: nc.limits, Authorizer: nc.auth, QueryParams: []string{"issued"}, Heartbeat: -1,
		KickLimit: nc.kickLimit, KickMemory: nc.kickMemory})
	n := &node{hub: h, cluster: cl, rdb: rdb, ts: httptest.NewServer(httpapi.New(h, httpapi.Config{}))}
	t.Cleanup(func() {
		n.ts.CloseClientConnections()
		ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		n.ts.Close()
		if err := cl.Close(); err != nil && !n.crashed {
			t.Errorf("Cluster.Close: %v", err)
		}
		log.Close()
		if !n.crashed {
			rdb.Close()
		}
	})
	return n
}

func (n *node) open(t testing.TB, query string) *ssetest.Stream {
	t.Helper()
	return ssetest.OpenRegistered(t, n.ts.Client(), n.ts.URL+"/sse?"+query, nil)
}

// do sends a request to the node's API and returns the status and body.
func (n *node) do(t *testing.T, method, path string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, n.ts.URL+path, nil)
	resp, err := n.ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type clientPage struct {
	Clients            []ssehub.ClientStreams
	Connections, Nodes int
	Next               string
}

func (n *node) clients(t *testing.T, query string) clientPage {
	t.Helper()
	code, b := n.do(t, "GET", "/clients"+query)
	var p clientPage
	if code != http.StatusOK || json.Unmarshal(b, &p) != nil {
		t.Fatalf("GET /clients%s: %d %s", query, code, b)
	}
	return p
}

func threeNodes(t *testing.T, nc nodeConfig) (a, b, c *node) {
	srv := redistest.Start(t)
	prefix := "t" + strings.ReplaceAll(t.Name(), "/", "_")
	return startNode(t, srv, prefix, nc), startNode(t, srv, prefix, nc), startNode(t, srv, prefix, nc)
}

func TestPresenceAcrossNodes(t *testing.T) {
	a, b, c := threeNodes(t, nodeConfig{})
	b.open(t, "id=alice&topic=room")
	c.open(t, "id=alice")
	c.open(t, "id=bob")
	a.open(t, "id=carol")

	// Each stream is visible from every node once it has opened.
	for _, n := range []*node{a, b, c} {
		p := n.clients(t, "")
		want := []ssehub.ClientStreams{{ID: "alice", Streams: 2}, {ID: "bob", Streams: 1}, {ID: "carol", Streams: 1}}
		if !equalPages(p.Clients, want) || p.Connections != 4 || p.Nodes != 3 {
			t.Errorf("GET /clients on %s: %+v, want %v with 4 streams on 3 nodes", n.cluster.Node(), p, want)
		}
	}
	// Paging merges the nodes' lists.
	first := a.clients(t, "?limit=2")
	second := a.clients(t, "?limit=2&after="+first.Next)
	if !equalPages(first.Clients, []ssehub.ClientStreams{{ID: "alice", Streams: 2}, {ID: "bob", Streams: 1}}) || first.Next != "bob" ||
		!equalPages(second.Clients, []ssehub.ClientStreams{{ID: "carol", Streams: 1}}) || second.Next != "" {
		t.Errorf("pages of 2: %+v then %+v", first, second)
	}
	// GET /clients/alice on a node where alice has no stream lists both.
	code, body := a.do(t, "GET", "/clients/alice")
	var alice struct {
		Connections int
		Streams     []ssehub.StreamInfo
	}
	if json.Unmarshal(body, &alice); code != http.StatusOK || alice.Connections != 2 || len(alice.Streams) != 2 ||
		!(len(alice.Streams[0].Topics) == 1 && alice.Streams[0].Topics[0] == "room") {
		t.Errorf("GET /clients/alice on A: %d %s, want her 2 streams, the one with topic room first", code, body)
	}
	// /ping finds a client whose streams are all on other nodes.
	if code, body := a.do(t, "POST", "/ping/bob"); code != http.StatusOK {
		t.Errorf("POST /ping/bob on A (bob is on C): %d %s, want 200", code, body)
	}
	if code, body := a.do(t, "POST", "/ping/nobody"); code != http.StatusNotFound {
		t.Errorf("POST /ping/nobody: %d %s, want 404", code, body)
	}
}

func equalPages(got, want []ssehub.ClientStreams) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func TestStreamEndSeenByOtherNodes(t *testing.T) {
	a, b, _ := threeNodes(t, nodeConfig{})
	s := b.open(t, "id=alice")
	if n := a.clients(t, "").Connections; n != 1 {
		t.Fatalf("A counts %d streams, want alice's 1 on B", n)
	}
	s.Close()
	ssetest.Eventually(t, "A seeing alice's stream on B end", func() bool {
		code, _ := a.do(t, "GET", "/clients/alice")
		return code == http.StatusNotFound
	})
}

func TestKickAcrossNodes(t *testing.T) {
	a, b, c := threeNodes(t, nodeConfig{})
	onB, onC := b.open(t, "id=alice"), c.open(t, "id=alice")
	other := c.open(t, "id=bob")
	code, body := a.do(t, "DELETE", "/clients/alice")
	if code != http.StatusOK || !strings.Contains(string(body), `"ended":2`) {
		t.Errorf("DELETE /clients/alice on A: %d %s, want 200 with ended 2", code, body)
	}
	for name, s := range map[string]*ssetest.Stream{"B": onB, "C": onC} {
		if _, err := s.Ended(t); err != io.EOF {
			t.Errorf("alice's stream on %s ended with %v, want a clean end", name, err)
		}
	}
	other.ExpectNone(t, 100*time.Millisecond)
	// Alice may come back (no credentials to refuse), on any node.
	b.open(t, "id=alice")
}

func TestPerClientLimitAcrossNodes(t *testing.T) {
	a, b, c := threeNodes(t, nodeConfig{limits: ssehub.Limits{MaxStreamsPerClient: 2}})
	b.open(t, "id=alice")
	c.open(t, "id=alice")
	resp, err := a.ts.Client().Get(a.ts.URL + "/sse?id=alice")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("alice's third stream (on A, her others on B and C): %d, want 429 with Retry-After", resp.StatusCode)
	}
	a.open(t, "id=bob") // others are not disturbed
}

func TestDeadNodeStopsBeingCounted(t *testing.T) {
	srv := redistest.Start(t)
	const ttl = time.Second
	a := startNode(t, srv, "dead", nodeConfig{ttl: ttl})
	b := startNode(t, srv, "dead", nodeConfig{ttl: ttl})
	b.open(t, "id=alice")
	if n := a.clients(t, "").Connections; n != 1 {
		t.Fatalf("A counts %d streams, want alice's on B", n)
	}
	// B loses Redis for good, as a killed process does: it cannot leave,
	// and stops refreshing its record.
	b.crash()
	died := time.Now()
	ssetest.Eventually(t, "A no longer counting the streams of dead B", func() bool {
		return a.clients(t, "").Connections == 0
	})
	if d := time.Since(died); d > ttl+ttl/2 {
		t.Errorf("dead B still counted %v after it died, want at most NodeTTL %v (and a refresh)", d, ttl)
	}
	if code, _ := a.do(t, "POST", "/ping/alice"); code != http.StatusNotFound {
		t.Errorf("POST /ping/alice after her node died: %d, want 404", code)
	}
}

// issuedAt is an Authorizer for tests: the stream's credentials were issued
// at the Unix time in its "issued" parameter.
type issuedAt struct{}

func (issuedAt) Authorize(r *http.Request, sub ssehub.Subscription) (ssehub.Subscription, error) {
	sec, err := strconv.ParseInt(r.URL.Query().Get("issued"), 10, 64)
	if err != nil {
		return sub, fmt.Errorf("%w: issued: %v", ssehub.ErrUnauthorized, err)
	}
	sub.Issued = time.Unix(sec, 0)
	return sub, nil
}

func TestKickRefusesOlderCredentialsOnEveryNode(t *testing.T) {
	a, _, c := threeNodes(t, nodeConfig{auth: issuedAt{}})
	before := strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)
	after := strconv.FormatInt(time.Now().Add(2*time.Second).Unix(), 10)
	c.open(t, "id=alice&issued="+before)
	if code, body := a.do(t, "DELETE", "/clients/alice"); code != http.StatusOK {
		t.Fatalf("DELETE /clients/alice: %d %s", code, body)
	}
	for _, n := range []*node{a, c} {
		resp, err := n.ts.Client().Get(n.ts.URL + "/sse?id=alice&issued=" + before)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("on %s, alice with credentials issued before the kick on A: %d, want 401", n.cluster.Node(), resp.StatusCode)
		}
	}
	c.open(t, "id=alice&issued="+after) // new credentials are fine
}

func TestPresenceRewrittenAfterRedisRestartsEmpty(t *testing.T) {
	srv := redistest.Start(t)
	const ttl = time.Second
	a := startNode(t, srv, "reset", nodeConfig{ttl: ttl})
	b := startNode(t, srv, "reset", nodeConfig{ttl: ttl})
	s := b.open(t, "id=alice")
	srv.Reset()
	ssetest.Eventually(t, "A seeing alice's stream on B again after Redis lost everything", func() bool {
		code, _ := a.do(t, "GET", "/clients/alice")
		return code == http.StatusOK
	})
	s.ExpectNone(t, 50*time.Millisecond)
	if n := b.hub.Stats().Streams; n != 1 {
		t.Errorf("B has %d streams open, want alice's 1: an outage of presence must not end streams", n)
	}
}

func TestPresenceWhileRedisIsDown(t *testing.T) {
	srv := redistest.Start(t)
	a := startNode(t, srv, "down", nodeConfig{})
	b := startNode(t, srv, "down", nodeConfig{})
	b.open(t, "id=alice")
	srv.Stop()
	for _, path := range []string{"/clients", "/clients/alice"} {
		code, body := a.do(t, "GET", path)
		if code != http.StatusServiceUnavailable || !strings.Contains(string(body), `"error"`) {
			t.Errorf("GET %s with Redis down: %d %s, want 503 with a JSON error", path, code, body)
		}
	}
	// A stream still opens, on the node's own checks.
	a.open(t, "id=bob")
	srv.Start()
	ssetest.Eventually(t, "both nodes' streams listed once Redis is back", func() bool {
		code, body := a.do(t, "GET", "/clients")
		var p clientPage
		return code == http.StatusOK && json.Unmarshal(body, &p) == nil && p.Connections == 2
	})
}
