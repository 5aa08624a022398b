package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/loadresult"
)

// testHub is a minimal in-process SSE hub. By default it speaks the
// yardstick's API (raw body, ?to=, count reply); with ssehub set it speaks
// ssehub's (JSON publish and reply, a first "retry"/"id" frame, replay after
// Last-Event-ID). Its faults prove that the delivery checks see each defect.
type testHub struct {
	ssehub     bool
	failStatus int // when not 0, every publish is answered with it

	// Faults of the ssehub kind's streams.
	drop          func(client string, id int) bool // never send event id to client's streams, live or replayed
	resetOnResume bool                             // answer every Last-Event-ID with a reset event at the head, not a replay
	replayLast    bool                             // replay from the last id, inclusive (one duplicate per resume)
	reverseReplay bool                             // replay the missed events newest first (out of order)

	// What the streams and publishes came over (protocols_test.go).
	h2Streams, tlsStreams, h2Publishes atomic.Int64

	mu          sync.Mutex
	remotes     map[string]int // streams opened, by the client's address
	subs        map[*testSub]struct{}
	log         []testEntry
	requests    int // publish requests answered 200
	batchEvents int // events they carried
}

type testSub struct {
	client string
	ch     chan []byte
}

type testEntry struct {
	to    string
	frame []byte
}

func newTestServer(t *testing.T, h *testHub) *httptest.Server {
	srv := httptest.NewServer(h.handler())
	t.Cleanup(srv.Close)
	return srv
}

// init makes the hub's maps; handler calls it.
func (h *testHub) init() { h.subs, h.remotes = map[*testSub]struct{}{}, map[string]int{} }

// handler is the hub's mux.
func (h *testHub) handler() http.Handler {
	h.init()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sse", h.serveSSE)
	mux.HandleFunc("POST /publish", h.publish)
	return mux
}

func (h *testHub) serveSSE(w http.ResponseWriter, r *http.Request) {
	s := &testSub{client: r.URL.Query().Get("id"), ch: make(chan []byte, 4096)}
	if r.ProtoMajor == 2 {
		h.h2Streams.Add(1)
	}
	if r.TLS != nil {
		h.tlsStreams.Add(1)
	}
	var backlog []byte
	h.mu.Lock()
	h.remotes[r.RemoteAddr]++
	if h.ssehub {
		backlog = h.resume(s.client, r.Header.Get("Last-Event-ID"))
	}
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.subs, s)
		h.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	w.Write(backlog)
	w.(http.Flusher).Flush()
	for {
		select {
		case msg := <-s.ch:
			if _, err := w.Write(msg); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		case <-r.Context().Done():
			return
		}
	}
}

// resume returns a stream's first bytes: the retry field, the events after
// the client's last id (or a reset event), and the head's id. Call it with
// h.mu held.
func (h *testHub) resume(client, lastID string) []byte {
	out := []byte("retry: 1000\n")
	last, err := strconv.Atoi(lastID)
	switch {
	case err != nil || last < 0 || last > len(h.log):
	case h.resetOnResume:
		out = fmt.Appendf(out, "id: %d\nevent: reset\ndata: {\"reason\":\"expired\",\"lastEventId\":%q}\n\n", len(h.log), lastID)
	default:
		from := last
		if h.replayLast && from > 0 {
			from--
		}
		var frames [][]byte
		for i, e := range h.log[from:] {
			if h.sends(client, from+i+1, e.to) {
				frames = append(frames, e.frame)
			}
		}
		if h.reverseReplay {
			slices.Reverse(frames)
		}
		out = append(out, bytes.Join(frames, nil)...)
	}
	return fmt.Appendf(out, "id: %d\n\n", len(h.log))
}

// sends reports whether event id, to client to ("": everyone), goes to a
// stream of client.
func (h *testHub) sends(client string, id int, to string) bool {
	return (to == "" || to == client) && (h.drop == nil || !h.drop(client, id))
}

// testPublish is one element of an ssehub publish body.
type testPublish struct {
	Broadcast bool     `json:"broadcast"`
	Clients   []string `json:"clients"`
	Data      string   `json:"data"`
}

// publish answers POST /publish. On ssehub the body is one JSON publish
// object, answered with one receipt, or a JSON array of 1 to 1000 of them,
// answered with an array of receipts in the same order; an invalid element
// refuses the whole request and publishes nothing.
func (h *testHub) publish(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.ProtoMajor == 2 {
		h.h2Publishes.Add(1)
	}
	if h.failStatus != 0 {
		http.Error(w, "no", h.failStatus)
		return
	}
	var reqs []testPublish
	batch := false
	if h.ssehub {
		if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '[' {
			batch = true
			if err := json.Unmarshal(body, &reqs); err != nil || len(reqs) == 0 || len(reqs) > 1000 {
				http.Error(w, `{"error":"bad batch"}`, http.StatusBadRequest)
				return
			}
		} else {
			reqs = make([]testPublish, 1)
			if err := json.Unmarshal(body, &reqs[0]); err != nil {
				http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
				return
			}
		}
		for _, req := range reqs {
			if req.Broadcast == (len(req.Clients) > 0) || len(req.Clients) > 1 {
				http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
				return
			}
		}
	} else {
		reqs = []testPublish{{Data: string(body)}}
		if to := r.URL.Query().Get("to"); to != "" {
			reqs[0].Clients = []string{to}
		}
	}
	var reply []byte
	h.mu.Lock()
	h.requests++
	h.batchEvents += len(reqs)
	for i, req := range reqs {
		to := ""
		if len(req.Clients) == 1 {
			to = req.Clients[0]
		}
		id := len(h.log) + 1
		frame := fmt.Appendf(nil, "id: %d\ndata: %s\n\n", id, req.Data)
		h.log = append(h.log, testEntry{to, frame})
		n := 0
		for s := range h.subs {
			if h.sends(s.client, id, to) {
				select {
				case s.ch <- frame:
					n++
				default:
				}
			}
		}
		switch {
		case !h.ssehub:
			reply = fmt.Append(reply, n)
		case !batch:
			reply = fmt.Appendf(reply, `{"id":"%d","connections":%d}`, id, n)
		default:
			if i == 0 {
				reply = append(reply, '[')
			} else {
				reply = append(reply, ',')
			}
			reply = fmt.Appendf(reply, `{"id":"%d","connections":%d}`, id, n)
		}
	}
	h.mu.Unlock()
	if batch {
		reply = append(reply, ']')
	}
	w.Write(reply)
}

func runTest(t *testing.T, cfg Config) *Result {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = time.Minute
	}
	if cfg.Drain == 0 {
		cfg.Drain = 20 * time.Second
	}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if testing.Verbose() {
		loadresult.WriteTable(os.Stdout, res)
	}
	if res.TimedOut {
		t.Fatalf("timed out")
	}
	return res
}

func TestFanoutEndToEnd(t *testing.T) {
	srv := newTestServer(t, &testHub{})
	res := runTest(t, Config{
		URL: srv.URL, Target: targetYardstick, Scenario: "fanout",
		Conns: 50, Events: 10, Sources: 2, PIDs: []int{os.Getpid()},
	})
	if res.Connected != 50 || res.Published != 10 || res.PublishErrors != 0 {
		t.Fatalf("connected %d, published %d, errors %d", res.Connected, res.Published, res.PublishErrors)
	}
	if res.Received != 500 || res.Expected != 500 || res.Loss != 0 || !res.Drained {
		t.Fatalf("received %d of %d, loss %d, drained %v", res.Received, res.Expected, res.Loss, res.Drained)
	}
	if res.ServerReported != 500 {
		t.Errorf("server reported %d deliveries", res.ServerReported)
	}
	if res.Latency == nil || res.Latency.Count != 500 || res.Latency.MaxMs <= 0 {
		t.Errorf("latency %+v", res.Latency)
	}
	if res.DeliveriesPerSecond <= 0 || res.ServerKiBPerConn == nil {
		t.Errorf("deliveries/s %v, server KiB/conn %v", res.DeliveriesPerSecond, res.ServerKiBPerConn)
	}
}

func TestTargetedEndToEnd(t *testing.T) {
	for _, netHTTP := range []bool{false, true} {
		t.Run(fmt.Sprintf("nethttp=%v", netHTTP), func(t *testing.T) {
			srv := newTestServer(t, &testHub{ssehub: true})
			res := runTest(t, Config{
				URL: srv.URL, Target: targetSSEHub, Scenario: "targeted",
				Conns: 30, Clients: 7, Rate: 200, Duration: time.Second, NetHTTP: netHTTP,
			})
			if res.Published != 200 || res.PublishErrors != 0 {
				t.Fatalf("published %d, errors %v", res.Published, res.PublishErrorKinds)
			}
			// Each client has 4 or 5 streams.
			if res.Expected < 4*200 || res.Expected > 5*200 || res.Received != res.Expected || res.Loss != 0 {
				t.Fatalf("received %d of %d", res.Received, res.Expected)
			}
			if res.ServerReported != res.Expected {
				t.Errorf("server reported %d, expected %d", res.ServerReported, res.Expected)
			}
			if res.LatencyGrew == nil {
				t.Errorf("no latency trend")
			}
		})
	}
}

func TestChurnEndToEnd(t *testing.T) {
	for _, target := range []string{targetSSEHub, targetYardstick} {
		t.Run(target, func(t *testing.T) {
			srv := newTestServer(t, &testHub{ssehub: target == targetSSEHub})
			res := runTest(t, Config{
				URL: srv.URL, Target: target, Scenario: "churn",
				Conns: 40, Rate: 50, Duration: 2 * time.Second, Churn: 0.5, Drain: 5 * time.Second,
			})
			c := res.Churn
			if c == nil || c.Closes == 0 || c.ChurnedConns == 0 || c.StableConns == 0 {
				t.Fatalf("churn %+v", c)
			}
			if res.Published != 100 || c.StableLoss != 0 || c.StableExpected != 100*uint64(c.StableConns) {
				t.Fatalf("published %d, stable loss %d of %d", res.Published, c.StableLoss, c.StableExpected)
			}
			// A close in the run's last moments may still be reconnecting
			// when the run stops; the tool counts those apart.
			if res.Reopens+res.ReopensCut < c.Closes || res.ReopensCut > c.Closes/4 {
				t.Errorf("%d closes but %d reopens and %d cut by the stop", c.Closes, res.Reopens, res.ReopensCut)
			}
			if target == targetSSEHub && (c.ChurnedMissing != 0 || c.Duplicates != 0 || res.Loss != 0) {
				t.Errorf("resumed streams: %d gaps, %d duplicates", c.ChurnedMissing, c.Duplicates)
			}
		})
	}
}

func TestIdleAndPublishErrors(t *testing.T) {
	srv := newTestServer(t, &testHub{failStatus: http.StatusServiceUnavailable})
	res := runTest(t, Config{URL: srv.URL, Target: targetYardstick, Scenario: "idle", Conns: 20, Duration: 100 * time.Millisecond})
	if res.Connected != 20 || res.ConnectSeconds <= 0 || res.Drops != 0 {
		t.Fatalf("idle: %+v", res)
	}
	res = runTest(t, Config{URL: srv.URL, Target: targetYardstick, Scenario: "fanout", Conns: 5, Events: 3, Drain: time.Second})
	if res.Published != 0 || res.PublishErrors != 3 || res.PublishErrorKinds["HTTP 503"] != 3 || res.Expected != 0 {
		t.Fatalf("publish errors: %d ok, %v", res.Published, res.PublishErrorKinds)
	}
}

func TestConnectErrorsCounted(t *testing.T) {
	srv := newTestServer(t, &testHub{})
	url := srv.URL
	srv.Close()
	_, err := Run(context.Background(), Config{URL: url, Target: targetYardstick, Scenario: "idle", Conns: 3, Timeout: 10 * time.Second})
	if err == nil {
		t.Fatal("no error with the server down")
	}
}

// stormTest runs a small storm against h: 40 streams, 100 events/s for
// 1.5 s, every stream cut every 0.4 s (three storms).
func stormTest(t *testing.T, h *testHub, to string, jitter time.Duration) *Result {
	t.Helper()
	srv := newTestServer(t, h)
	res := runTest(t, Config{
		URL: srv.URL, Target: targetSSEHub, Scenario: "storm", To: to,
		Conns: 40, Clients: 10, Rate: 100, Duration: 1500 * time.Millisecond,
		StormEvery: 400 * time.Millisecond, StormJitter: jitter, Drain: 5 * time.Second,
	})
	st, c := res.Storm, res.Checks
	if st == nil || c == nil {
		t.Fatalf("no storm or checks: %+v", res)
	}
	if st.Storms != 3 || st.Cuts < 100 || st.StreamsReconnected != 40 || st.Reconnects+st.ReconnectsCut < st.Cuts {
		t.Fatalf("storm %+v", st)
	}
	if c.Streams != 40 || res.Published != 150 || c.To != to {
		t.Fatalf("%d streams checked, %d published, to %s", c.Streams, res.Published, c.To)
	}
	return res
}

func TestStormEndToEnd(t *testing.T) {
	for _, to := range []string{toBroadcast, toTargeted} {
		t.Run(to, func(t *testing.T) {
			res := stormTest(t, &testHub{ssehub: true}, to, 0)
			c := res.Checks
			want := uint64(150 * 40)
			if to == toTargeted {
				want = 150 * 4 // each event to one client of 10, each client 4 streams
			}
			if c.Expected != want || c.Received != want || c.Missing != 0 || res.Loss != 0 {
				t.Errorf("received %d of %d expected (want %d), missing %d", c.Received, c.Expected, want, c.Missing)
			}
			if p := res.Failure(); p != "" || c.Duplicates+c.OutOfOrder+c.Misdelivered+c.ResetEvents != 0 {
				t.Errorf("failure %q, checks %+v", p, c)
			}
		})
	}
}

// A hub that never sends one event to a client loses it silently: the check
// names the streams and -strict fails.
func TestStormSilentLoss(t *testing.T) {
	res := stormTest(t, &testHub{ssehub: true, drop: func(client string, id int) bool { return id == 5 }}, toTargeted, 0)
	c := res.Checks
	if c.SilentMissing != 4 || c.StreamsSilentMissing != 4 || c.AnnouncedLost != 0 || len(c.Problems) != 4 {
		t.Fatalf("silent %d on %d streams, announced %d, problems %+v", c.SilentMissing, c.StreamsSilentMissing, c.AnnouncedLost, c.Problems)
	}
	if p := c.Problems[0]; p.SilentMissing != 1 || p.FirstSilentSeq < 0 || p.Received != p.Expected-1 {
		t.Errorf("problem stream %+v", p)
	}
	if p := res.Failure(); !strings.Contains(p, "4 silent missing") {
		t.Errorf("failure %q", p)
	}
}

// A hub that answers every resume with a reset event announces what the
// streams missed while reconnecting: announced, not silent, and no failure.
func TestStormAnnouncedLoss(t *testing.T) {
	res := stormTest(t, &testHub{ssehub: true, resetOnResume: true}, toBroadcast, 100*time.Millisecond)
	c := res.Checks
	if c.AnnouncedLost == 0 || c.SilentMissing != 0 || c.Missing != c.AnnouncedLost || c.StreamsReset != 40 || c.ResetEvents < 100 {
		t.Fatalf("checks %+v", c)
	}
	if p := res.Failure(); p != "" || c.OutOfOrder != 0 {
		t.Errorf("failure %q, %d out of order", p, c.OutOfOrder)
	}
}

// Replaying from the last id inclusive, the mistake the README warns of,
// duplicates an event on every resume.
func TestStormDuplicates(t *testing.T) {
	res := stormTest(t, &testHub{ssehub: true, replayLast: true}, toBroadcast, 0)
	c := res.Checks
	if c.Duplicates < 100 || c.StreamsDuplicates != 40 || c.Missing != 0 || c.OutOfOrder != 0 {
		t.Fatalf("checks %+v", c)
	}
	if p := res.Failure(); !strings.Contains(p, "duplicates") {
		t.Errorf("failure %q", p)
	}
}

// A replay newest first delivers the events a stream missed out of the
// hub's order.
func TestStormOutOfOrder(t *testing.T) {
	res := stormTest(t, &testHub{ssehub: true, reverseReplay: true}, toBroadcast, 100*time.Millisecond)
	c := res.Checks
	if c.OutOfOrder == 0 || c.Missing != 0 || c.Duplicates != 0 {
		t.Fatalf("checks %+v", c)
	}
	if p := res.Failure(); !strings.Contains(p, "out of order") {
		t.Errorf("failure %q", p)
	}
}

func TestStormUsage(t *testing.T) {
	for _, cfg := range []Config{
		{Scenario: "storm", Target: targetYardstick},
		{Scenario: "latency", To: toTargeted},
		{Scenario: "targeted", To: toBroadcast},
		{Scenario: "churn", To: "some"},
	} {
		cfg.URL, cfg.Conns = "http://127.0.0.1:1", 1
		_, err := Run(context.Background(), cfg)
		if ue := (usageError{}); !errors.As(err, &ue) {
			t.Errorf("%s -target %q -to %q: %v, want a usage error", cfg.Scenario, cfg.Target, cfg.To, err)
		}
	}
}

// Churn with targeted events checks each stream against its client's events.
func TestChurnTargeted(t *testing.T) {
	srv := newTestServer(t, &testHub{ssehub: true})
	res := runTest(t, Config{
		URL: srv.URL, Target: targetSSEHub, Scenario: "churn", To: toTargeted,
		Conns: 40, Clients: 10, Rate: 100, Duration: time.Second, Churn: 1,
	})
	c, k := res.Churn, res.Checks
	if c == nil || k == nil || c.Closes == 0 || k.To != toTargeted {
		t.Fatalf("churn %+v, checks %+v", c, k)
	}
	if k.Expected != 100*4 || k.Received != k.Expected || res.Failure() != "" {
		t.Fatalf("received %d of %d (want 400: 4 streams per client), failure %q", k.Received, k.Expected, res.Failure())
	}
}
