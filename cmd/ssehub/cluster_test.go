package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/redistest"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/sse"
)

// startNodes starts n ssehub processes that share srv as one cluster.
func startNodes(t *testing.T, srv *redistest.Server, n int, args ...string) []*hubProcess {
	t.Helper()
	nodes := make([]*hubProcess, n)
	for i := range nodes {
		nodes[i] = startHub(t, append([]string{"-redis", srv.URL(), "-node", fmt.Sprintf("n%d", i)}, args...)...)
	}
	return nodes
}

// request sends method path with body to p and returns the status and body.
func (p *hubProcess) request(t *testing.T, method, path, body string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, p.url+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// open opens a stream on p, resuming after last when it is not "".
func (p *hubProcess) open(t *testing.T, query, last string) *ssetest.Stream {
	t.Helper()
	var h http.Header
	if last != "" {
		h = http.Header{"Last-Event-Id": {last}}
	}
	return ssetest.OpenRegistered(t, p.client, p.url+"/sse?"+query, h)
}

func TestClusterDeliversAcrossNodes(t *testing.T) {
	srv := redistest.Start(t)
	nodes := startNodes(t, srv, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	onB, onC := b.open(t, "id=bob", ""), c.open(t, "id=carol&topic=news", "")
	aliceA, aliceC := a.open(t, "id=alice", ""), c.open(t, "id=alice", "")

	id := a.publishJSON(`{"broadcast":true,"data":"to all"}`)
	for name, s := range map[string]*ssetest.Stream{"bob on B": onB, "carol on C": onC, "alice on A": aliceA, "alice on C": aliceC} {
		if ev := s.Next(t); ev.Data != "to all" || ev.ID != id {
			t.Errorf("%s got %+v, want the broadcast published on A with id %s", name, ev, id)
		}
	}
	// Targeted: alice's streams on A and C, not bob's or carol's.
	toAlice := b.publishJSON(`{"clients":["alice"],"data":"for alice"}`)
	toNews := c.publishJSON(`{"topics":["news"],"data":"news"}`)
	aliceA.Expect(t, "for alice")
	aliceC.Expect(t, "for alice")
	if ev := onC.Next(t); ev.Data != "news" || ev.ID != toNews {
		t.Errorf("carol got %+v, want the news event %s", ev, toNews)
	}
	onB.ExpectNone(t, 100*time.Millisecond)
	if a, b := mustSeq(t, toAlice), mustSeq(t, toNews); b != a+1 {
		t.Errorf("ids %d on B then %d on C: want one cluster-wide sequence", a, b)
	}
	// /ping from a node where alice has no stream reaches both of hers.
	if code, body := b.request(t, "POST", "/ping/alice", ""); code != http.StatusOK {
		t.Errorf("POST /ping/alice on B: %d %s", code, body)
	}
	aliceA.Expect(t, "Hello alice")
	aliceC.Expect(t, "Hello alice")
}

func TestClusterIdempotencyAcrossNodes(t *testing.T) {
	srv := redistest.Start(t)
	nodes := startNodes(t, srv, 2)
	s := nodes[1].open(t, "id=alice", "")
	body := `{"clients":["alice"],"data":"once"}`
	code, first := nodes[0].request(t, "POST", "/publish", body, "Idempotency-Key", "k-1")
	if code != http.StatusOK {
		t.Fatalf("first publish: %d %s", code, first)
	}
	code, again := nodes[1].request(t, "POST", "/publish", body, "Idempotency-Key", "k-1")
	var r1, r2 struct {
		ID       string
		Repeated bool
	}
	json.Unmarshal([]byte(first), &r1)
	json.Unmarshal([]byte(again), &r2)
	if code != http.StatusOK || !r2.Repeated || r2.ID != r1.ID {
		t.Errorf("the retry on another node: %d %s, want the first receipt (id %s) with repeated", code, again, r1.ID)
	}
	s.Expect(t, "once")
	s.ExpectNone(t, 200*time.Millisecond)
}

func mustSeq(t *testing.T, id string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		t.Fatalf("event id %q is not a number", id)
	}
	return n
}

// publisher publishes numbered events to alice through the nodes in turn
// until stopped, and remembers which were acknowledged.
type publisher struct {
	mu    sync.Mutex
	acked map[uint64]string
	stop  chan struct{}
	wg    sync.WaitGroup
}

func startPublisher(nodes []*hubProcess) *publisher {
	p := &publisher{acked: map[uint64]string{}, stop: make(chan struct{})}
	p.wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-p.stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			data := fmt.Sprintf("e%d", i)
			if id := nodes[i%len(nodes)].publishJSON(fmt.Sprintf(`{"clients":["alice"],"data":%q}`, data)); id != "" {
				seq, _ := strconv.ParseUint(id, 10, 64)
				p.mu.Lock()
				p.acked[seq] = data
				p.mu.Unlock()
			}
		}
	})
	return p
}

func (p *publisher) finish() map[uint64]string {
	close(p.stop)
	p.wg.Wait()
	return p.acked
}

// checkExact requires that evs (after a resume, in order) hold every
// acknowledged event after `after`, each once, in order, with its data.
func checkExact(t *testing.T, evs []sse.Event, after uint64, acked map[uint64]string) {
	t.Helper()
	seen := map[uint64]bool{}
	last := after
	for _, ev := range evs {
		seq := mustSeq(t, ev.ID)
		if seq <= last {
			t.Fatalf("event %d after %d: repeated or out of order", seq, last)
		}
		last = seq
		if want, ok := acked[seq]; ok && want != ev.Data {
			t.Fatalf("event %d: data %q, want %q", seq, ev.Data, want)
		}
		seen[seq] = true
	}
	for seq := range acked {
		if seq > after && !seen[seq] {
			t.Errorf("acknowledged event %d (%s) never arrived", seq, acked[seq])
		}
	}
}

// collect reads s until it holds the events up to seq.
func collect(t *testing.T, s *ssetest.Stream, seq uint64) []sse.Event {
	t.Helper()
	var evs []sse.Event
	for len(evs) == 0 || mustSeq(t, evs[len(evs)-1].ID) < seq {
		evs = append(evs, s.Next(t))
	}
	return evs
}

func maxSeq(acked map[uint64]string) uint64 {
	var m uint64
	for s := range acked {
		m = max(m, s)
	}
	return m
}

// A node killed with kill -9: its client reconnects to another node with
// Last-Event-ID and loses nothing.
func TestClusterNodeKilled(t *testing.T) {
	srv := redistest.Start(t)
	nodes := startNodes(t, srv, 3)
	victim := nodes[0]
	s := victim.open(t, "id=alice", "")
	pub := startPublisher(nodes[1:])
	var evs []sse.Event
	for len(evs) < 50 {
		evs = append(evs, s.Next(t))
	}
	victim.cmd.Process.Signal(syscall.SIGKILL)
	<-victim.exited
	rest, _ := s.Ended(t)
	evs = append(evs, rest...)
	last := evs[len(evs)-1].ID

	again := nodes[2].open(t, "id=alice", last)
	time.Sleep(300 * time.Millisecond) // publishing goes on meanwhile
	acked := pub.finish()
	evs = append(evs, collect(t, again, maxSeq(acked))...)
	checkExact(t, evs, mustSeq(t, evs[0].ID)-1, acked)
	t.Logf("%d events acknowledged, %d received across the kill", len(acked), len(evs))
}

// Redis unreachable: publishes get 503 quickly, readiness fails, open
// streams stay open; when Redis is back every node resumes by itself and
// nothing acknowledged is lost.
func TestClusterRedisOutage(t *testing.T) {
	srv := redistest.Start(t)
	nodes := startNodes(t, srv, 2)
	a, b := nodes[0], nodes[1]
	s := a.open(t, "id=alice", "")
	first := b.publishJSON(`{"clients":["alice"],"data":"before"}`)
	s.Expect(t, "before")

	srv.Stop()
	start := time.Now()
	code, body := b.request(t, "POST", "/publish", `{"clients":["alice"],"data":"during"}`)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"error"`) {
		t.Errorf("publish with Redis down: %d %s, want 503 with a JSON error", code, body)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("publish with Redis down took %v, want a quick 503", d)
	}
	if code, body := a.request(t, "GET", "/readyz", ""); code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz with Redis down: %d %s, want 503", code, body)
	}
	s.ExpectNone(t, 300*time.Millisecond) // and the stream stays open

	srv.Start()
	ssetest.Eventually(t, "node A ready again", func() bool {
		code, _ := a.request(t, "GET", "/readyz", "")
		return code == http.StatusOK
	})
	ssetest.Eventually(t, "publishing through B again", func() bool {
		return b.publishJSON(`{"clients":["alice"],"data":"after"}`) != ""
	})
	ev := s.Next(t)
	if ev.Data != "after" || mustSeq(t, ev.ID) <= mustSeq(t, first) {
		t.Errorf("after the outage alice got %+v, want the event published after it (id above %s)", ev, first)
	}
}

// Redis restarted empty: the clients of before get a reset event instead of
// silently missing events, and the new ids are not mistaken for old ones.
func TestClusterRedisRestartedEmpty(t *testing.T) {
	srv := redistest.Start(t)
	nodes := startNodes(t, srv, 2)
	s := nodes[0].open(t, "id=alice", "")
	old := nodes[1].publishJSON(`{"clients":["alice"],"data":"old"}`)
	s.Expect(t, "old")

	srv.Reset()
	rest, _ := s.Ended(t) // the node noticed, and ended its streams
	if len(rest) > 0 {
		t.Errorf("events after the reset on the old stream: %s", fmtEvents(rest))
	}
	var fresh string
	ssetest.Eventually(t, "publishing to the new Redis", func() bool {
		fresh = nodes[1].publishJSON(`{"clients":["alice"],"data":"new"}`)
		return fresh != ""
	})
	if mustSeq(t, fresh) <= mustSeq(t, old) {
		t.Errorf("first id after the reset %s is not above the last before it %s", fresh, old)
	}
	again := nodes[0].open(t, "id=alice", old)
	ev := again.Next(t)
	var reset struct{ Reason, LastEventID string }
	json.Unmarshal([]byte(ev.Data), &reset)
	if ev.Type != "reset" || reset.Reason != "unknown" || reset.LastEventID != old {
		t.Errorf("resuming after %s once Redis lost it: %+v, want a reset event (unknown)", old, ev)
	}
}
