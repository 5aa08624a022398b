package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// testHub is a minimal in-process SSE hub. By default it speaks the
// yardstick's API (raw body, ?to=, count reply); with ssehub set it speaks
// ssehub's (JSON publish and reply, a first "retry"/"id" frame, replay after
// Last-Event-ID).
type testHub struct {
	ssehub     bool
	failStatus int // when not 0, every publish is answered with it

	mu          sync.Mutex
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
	h.subs = map[*testSub]struct{}{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sse", h.serveSSE)
	mux.HandleFunc("POST /publish", h.publish)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func (h *testHub) serveSSE(w http.ResponseWriter, r *http.Request) {
	s := &testSub{client: r.URL.Query().Get("id"), ch: make(chan []byte, 4096)}
	var backlog []byte
	h.mu.Lock()
	if h.ssehub {
		backlog = fmt.Appendf(nil, "retry: 1000\nid: %d\n\n", len(h.log))
		if last, err := strconv.Atoi(r.Header.Get("Last-Event-ID")); err == nil && last >= 0 && last <= len(h.log) {
			for _, e := range h.log[last:] {
				if e.to == "" || e.to == s.client {
					backlog = append(backlog, e.frame...)
				}
			}
		}
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
			if to == "" || s.client == to {
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
		writeTable(os.Stdout, res)
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
		Conns: 50, Events: 10, Sources: 2, PID: os.Getpid(),
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
