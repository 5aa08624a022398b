package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/loadconn"
	"github.com/ssehub/ssehub/internal/loadresult"
)

// testNodes serves one testHub at several addresses: the nodes of a
// cluster whose log and ids are shared by construction. Each node records
// the streams it served, with the Last-Event-ID they resumed from, and the
// publish requests it answered.
type testNodes struct {
	urls []string

	mu        sync.Mutex
	opens     []nodeOpen
	publishes []int // per node
}

type nodeOpen struct {
	node           int
	client, lastID string
}

func newTestCluster(t *testing.T, h *testHub, n int) *testNodes {
	h.init()
	c := &testNodes{publishes: make([]int, n)}
	for i := range n {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /sse", func(w http.ResponseWriter, r *http.Request) {
			c.mu.Lock()
			c.opens = append(c.opens, nodeOpen{i, r.URL.Query().Get("id"), r.Header.Get("Last-Event-ID")})
			c.mu.Unlock()
			h.serveSSE(w, r)
		})
		mux.HandleFunc("POST /publish", func(w http.ResponseWriter, r *http.Request) {
			c.mu.Lock()
			c.publishes[i]++
			c.mu.Unlock()
			h.publish(w, r)
		})
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		c.urls = append(c.urls, srv.URL)
	}
	return c
}

func (c *testNodes) url() string { return strings.Join(c.urls, ",") }

// byClient returns, per client id, the nodes its streams opened on, in
// order.
func (c *testNodes) byClient() map[string][]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string][]int{}
	for _, o := range c.opens {
		out[o.client] = append(out[o.client], o.node)
	}
	return out
}

func TestNodePlacement(t *testing.T) {
	b := &bench{cfg: Config{Batch: 2}, targets: make([]loadconn.Node, 3)}
	for seq, want := range []int{0, 0, 1, 1, 2, 2, 0} {
		if got := b.publishNode(uint64(seq)); got != want {
			t.Errorf("publishNode(%d) = %d, want %d", seq, got, want)
		}
	}
	if b.firstNode(7) != 1 || b.nextNode(2) != 0 || b.nextNode(0) != 1 {
		t.Errorf("firstNode(7) %d, nextNode(2) %d", b.firstNode(7), b.nextNode(2))
	}
	one := &bench{cfg: Config{Batch: 1}, targets: make([]loadconn.Node, 1)}
	if one.publishNode(5) != 0 || one.nextNode(0) != 0 {
		t.Error("one node: everything on node 0")
	}
	ts, err := parseTargets("http://127.0.0.1:1, http://localhost:2")
	if err != nil || len(ts) != 2 || ts[1].Addr != "127.0.0.1:2" {
		t.Fatalf("targets %+v, %v", ts, err)
	}
	for in, want := range map[string][]int{"1,2, 3": {1, 2, 3}, "0": nil, "42": {42}} {
		if got, err := parsePIDs(in); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parsePIDs(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := parsePIDs("1,x"); err == nil {
		t.Error("parsePIDs accepted x")
	}
	c := Config{IDPrefix: "p1-"}
	if c.clientID(3) != "p1-c3" || c.nameOf(-1) != "" || c.nameOf(2) != "p1-c2" {
		t.Errorf("client ids %q %q", c.clientID(3), c.nameOf(2))
	}
}

// A fanout over three nodes puts stream i on node i mod 3, sends publish
// request k to node k mod 3 and tells the deliveries by the publishing node
// from the others.
func TestClusterFanout(t *testing.T) {
	c := newTestCluster(t, &testHub{ssehub: true}, 3)
	res := runTest(t, Config{
		URL: c.url(), Target: targetSSEHub, Scenario: "fanout",
		Conns: 30, Events: 12, Publishers: 2, PIDs: []int{os.Getpid(), os.Getpid()},
	})
	if res.Nodes != 3 || res.Received != 360 || res.Loss != 0 || !res.Drained {
		t.Fatalf("%d nodes, received %d, loss %d", res.Nodes, res.Received, res.Loss)
	}
	for client, nodes := range c.byClient() {
		i, err := strconv.Atoi(strings.TrimPrefix(client, "c"))
		if err != nil || len(nodes) != 1 || nodes[0] != i%3 {
			t.Errorf("client %s opened on nodes %v, want [%d]", client, nodes, i%3)
		}
	}
	if !reflect.DeepEqual(c.publishes, []int{4, 4, 4}) {
		t.Errorf("publish requests per node %v, want 4 each", c.publishes)
	}
	same, other := res.LatencySameNode, res.LatencyOtherNode
	if same == nil || other == nil || same.Count != 120 || other.Count != 240 || res.Latency.Count != 360 {
		t.Errorf("latency same node %+v, other %+v", same, other)
	}
	if k := res.Completion; k == nil || k.Events != 12 || k.Complete != 12 || k.MaxMs <= 0 || k.P50Ms > k.MaxMs {
		t.Errorf("completion %+v", k)
	}
	if len(res.ServerNodes) != 2 || res.ServerRSSAfterKiB != res.ServerNodes[0].RSSAfterKiB+res.ServerNodes[1].RSSAfterKiB ||
		res.ServerCPUSeconds == nil || res.ServerNodes[1].CPUSeconds == nil {
		t.Errorf("server nodes %+v, sum %d", res.ServerNodes, res.ServerRSSAfterKiB)
	}
}

// In a storm over three nodes every reconnect goes to the next node, with
// Last-Event-ID, and the checks find every stream exact.
func TestClusterStorm(t *testing.T) {
	c := newTestCluster(t, &testHub{ssehub: true}, 3)
	res := runTest(t, Config{
		URL: c.url(), Target: targetSSEHub, Scenario: "storm",
		Conns: 30, Rate: 100, Duration: 1500 * time.Millisecond,
		StormEvery: 400 * time.Millisecond, Drain: 5 * time.Second,
	})
	st, k := res.Storm, res.Checks
	if st == nil || k == nil || st.Storms != 3 || st.StreamsReconnected != 30 {
		t.Fatalf("storm %+v", st)
	}
	if k.Expected != 150*30 || k.Received != k.Expected || res.Failure() != "" {
		t.Errorf("received %d of %d, failure %q", k.Received, k.Expected, res.Failure())
	}
	moves := 0
	for client, nodes := range c.byClient() {
		for j := 1; j < len(nodes); j++ {
			if nodes[j] != (nodes[j-1]+1)%3 {
				t.Errorf("client %s moved %v: not to the next node", client, nodes)
				break
			}
			moves++
		}
	}
	if moves != st.Reconnects {
		t.Errorf("%d moves between nodes, %d reconnects", moves, st.Reconnects)
	}
	if res.LatencyOtherNode == nil || res.LatencySameNode == nil {
		t.Errorf("no latency split")
	}
}

// Two listening processes and a publishing one, side by side with their
// own client ids and source addresses, receive every broadcast; -merge
// reports them as one run.
func TestClusterListenAndMerge(t *testing.T) {
	c := newTestCluster(t, &testHub{ssehub: true}, 3)
	dir := t.TempDir()
	base := Config{URL: c.url(), Target: targetSSEHub, Scenario: "fanout", Conns: 20, Events: 10, Mergeable: true, Drain: 10 * time.Second, Timeout: 30 * time.Second}
	type out struct {
		res *Result
		err error
	}
	done := make(chan out, 2)
	var ready []string
	for i, prefix := range []string{"l1-", "l2-"} {
		cfg := base
		cfg.Listen, cfg.IDPrefix, cfg.SourceFirst = true, prefix, 2+i
		cfg.ReadyFile = filepath.Join(dir, prefix+"ready")
		ready = append(ready, cfg.ReadyFile)
		go func() {
			res, err := Run(context.Background(), cfg)
			done <- out{res, err}
		}()
	}
	waitFiles(t, ready, 20*time.Second)
	pub := base
	pub.IDPrefix = "p-"
	results := []*Result{runTest(t, pub)}
	for range 2 {
		select {
		case o := <-done:
			if o.err != nil {
				t.Fatalf("listener: %v", o.err)
			}
			results = append(results, o.res)
		case <-time.After(30 * time.Second):
			t.Fatal("listeners still running")
		}
	}
	var paths []string
	for i, r := range results {
		if i > 0 && (!r.Listen || r.Received != 200 || r.Loss != 0 || r.Completion == nil) {
			t.Errorf("listener %d: received %d, loss %d, completion %+v", i, r.Received, r.Loss, r.Completion)
		}
		p := filepath.Join(dir, r.IDPrefix+"json")
		if err := loadresult.WriteJSON(p, r); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	if ids := c.byClient(); len(ids) != 60 {
		t.Errorf("%d distinct client ids, want 60", len(ids))
	}
	m, err := mergeFiles(paths)
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		loadresult.WriteTable(os.Stdout, m)
	}
	if m.Processes != 3 || m.Listen || m.Connected != 60 || m.Expected != 600 || m.Received != 600 || m.Loss != 0 || m.Failure() != "" {
		t.Fatalf("merged: %d processes, %d connected, %d of %d received, failure %q", m.Processes, m.Connected, m.Received, m.Expected, m.Failure())
	}
	if k := m.Completion; k == nil || k.Events != 10 || k.Complete != 10 {
		t.Errorf("merged completion %+v", k)
	}
	if m.Latency.Count != 600 || m.LatencySameNode.Count+m.LatencyOtherNode.Count != 600 {
		t.Errorf("merged latency %+v, same %+v, other %+v", m.Latency, m.LatencySameNode, m.LatencyOtherNode)
	}
}

// waitFiles waits until every one of paths exists, at most d.
func waitFiles(t *testing.T, paths []string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for _, p := range paths {
		for {
			if _, err := os.Stat(p); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not written within %v", p, d)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func TestMergeRefuses(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.json")
	if err := loadresult.WriteJSON(plain, &Result{Setup: loadresult.Setup{Scenario: "fanout"}}); err != nil {
		t.Fatal(err)
	}
	storm := filepath.Join(dir, "storm.json")
	if err := loadresult.WriteJSON(storm, &Result{Setup: loadresult.Setup{Scenario: "storm"}, Raw: &loadresult.RawFigures{}}); err != nil {
		t.Fatal(err)
	}
	for _, paths := range [][]string{nil, {plain}, {storm}, {filepath.Join(dir, "missing.json")}} {
		if _, err := mergeFiles(paths); err == nil {
			t.Errorf("merged %v", paths)
		}
	}
}

// Idle processes side by side hold their own client ids on every node and
// merge into one run.
func TestClusterIdleSideBySide(t *testing.T) {
	c := newTestCluster(t, &testHub{ssehub: true}, 2)
	dir := t.TempDir()
	var wg sync.WaitGroup
	paths := make([]string, 2)
	for i := range paths {
		paths[i] = filepath.Join(dir, strconv.Itoa(i)+".json")
		wg.Go(func() {
			res, err := Run(context.Background(), Config{
				URL: c.url(), Scenario: "idle", Conns: 15, Duration: 300 * time.Millisecond, Settle: 100 * time.Millisecond,
				IDPrefix: "i" + strconv.Itoa(i) + "-", SourceFirst: 1 + i, PIDs: []int{os.Getpid(), os.Getpid()},
				Mergeable: true, Timeout: 20 * time.Second,
			})
			if err != nil {
				t.Errorf("process %d: %v", i, err)
				return
			}
			if err := loadresult.WriteJSON(paths[i], res); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	nodes := map[int]int{}
	for _, ns := range c.byClient() {
		nodes[ns[0]]++
	}
	if len(c.byClient()) != 30 || nodes[0] != 16 || nodes[1] != 14 {
		t.Errorf("%d client ids, streams per node %v", len(c.byClient()), nodes)
	}
	m, err := mergeFiles(paths)
	if err != nil {
		t.Fatal(err)
	}
	if m.Processes != 2 || m.Connected != 30 || m.Failure() != "" || len(m.ServerNodes) != 2 || m.ServerKiBPerConn == nil {
		t.Errorf("merged %d processes, %d connected, failure %q, server nodes %+v", m.Processes, m.Connected, m.Failure(), m.ServerNodes)
	}
}
