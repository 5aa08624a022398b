package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/loadresult"
)

func TestBatchBody(t *testing.T) {
	var bb batchBody
	bb.reset()
	bb.add("", []byte("0 17 xx"))
	bb.add("c7", []byte("1 17 xx"))
	bb.add(`c"8`, []byte("a\nb\\"))
	got := string(bb.bytes())
	want := `[{"broadcast":true,"data":"0 17 xx"},{"clients":["c7"],"data":"1 17 xx"},{"clients":["c\"8"],"data":"a\nb\\"}]`
	if got != want {
		t.Fatalf("body\n got %s\nwant %s", got, want)
	}
	var decoded []testPublish
	if err := json.Unmarshal([]byte(got), &decoded); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	wantDecoded := []testPublish{
		{Broadcast: true, Data: "0 17 xx"},
		{Clients: []string{"c7"}, Data: "1 17 xx"},
		{Clients: []string{`c"8`}, Data: "a\nb\\"},
	}
	if !reflect.DeepEqual(decoded, wantDecoded) {
		t.Fatalf("decoded %+v", decoded)
	}
	// The buffer is reused: a second batch does not carry the first.
	bb.reset()
	bb.add("c1", []byte("5 1"))
	if got := string(bb.bytes()); got != `[{"clients":["c1"],"data":"5 1"}]` {
		t.Fatalf("second body %s", got)
	}
	// A batch of payloads as the publishers make them is a valid array of n.
	bb.reset()
	for seq := range uint64(100) {
		bb.add(clientName(int(seq)), appendPayload(nil, seq, 1700000000123456789, 64))
	}
	decoded = nil
	if err := json.Unmarshal(bb.bytes(), &decoded); err != nil || len(decoded) != 100 {
		t.Fatalf("100 events: %d decoded, %v", len(decoded), err)
	}
	for i, d := range decoded {
		seq, ts, ok := parsePayload(d.Data)
		if !ok || seq != uint64(i) || ts != 1700000000123456789 || d.Clients[0] != clientName(i) {
			t.Fatalf("event %d: %+v", i, d)
		}
	}
}

func TestParseReceipts(t *testing.T) {
	rs, err := parseReceipts([]byte(`[{"id":"123","connections":1},{"id":"124","connections":10000}]`+"\n"), 2, nil)
	if err != nil || len(rs) != 2 || rs[0].Connections != 1 || rs[1].Connections != 10000 {
		t.Fatalf("receipts %+v, %v", rs, err)
	}
	// The buffer is reused and reset.
	buf := rs
	rs, err = parseReceipts([]byte(`[{"id":"125","connections":3}]`), 1, buf)
	if err != nil || len(rs) != 1 || rs[0].Connections != 3 || &rs[0] != &buf[0] {
		t.Fatalf("reused receipts %+v, %v", rs, err)
	}
	for _, bad := range []struct {
		reply string
		n     int
	}{
		{`[{"id":"1","connections":1}]`, 2},                            // too few
		{`[{"id":"1","connections":1},{"id":"2","connections":1}]`, 1}, // too many
		{`{"id":"1","connections":1}`, 1},                              // not an array
		{`null`, 1},
		{`[]`, 1},
		{`[{"id":"1","connections":"x"}]`, 1},
		{`{"error":"malformed JSON"}`, 1},
		{``, 1},
	} {
		if rs, err := parseReceipts([]byte(bad.reply), bad.n, nil); err == nil {
			t.Errorf("parseReceipts(%s, %d) = %+v, want an error", bad.reply, bad.n, rs)
		}
	}
}

func TestBatchConfig(t *testing.T) {
	for _, c := range []struct {
		target string
		batch  int
		ok     bool
	}{
		{targetSSEHub, 0, true}, {targetSSEHub, 1, true}, {targetSSEHub, 1000, true},
		{targetSSEHub, 1001, false}, {targetYardstick, 1, true}, {targetYardstick, 2, false},
	} {
		cfg := Config{URL: "http://127.0.0.1:1", Target: c.target, Scenario: "targeted", Conns: 1, Batch: c.batch}
		err := cfg.normalize()
		var ue usageError
		if c.ok && (err != nil || cfg.Batch != max(c.batch, 1)) {
			t.Errorf("%s -batch %d: %v, batch %d", c.target, c.batch, err, cfg.Batch)
		}
		if !c.ok && !errors.As(err, &ue) {
			t.Errorf("%s -batch %d: %v, want a usage error", c.target, c.batch, err)
		}
	}
	// Run refuses before opening anything.
	_, err := Run(context.Background(), Config{URL: "http://127.0.0.1:1", Target: targetYardstick, Scenario: "fanout", Conns: 1, Batch: 10})
	if ue := (usageError{}); !errors.As(err, &ue) || !strings.Contains(err.Error(), "ssehub") {
		t.Fatalf("yardstick -batch 10: %v", err)
	}
}

// checkBatchRun checks what every batched run must show: zero loss, every
// delivery reported by the server, and requests of batch events.
func checkBatchRun(t *testing.T, h *testHub, res *Result, events, batch int) {
	t.Helper()
	wantReqs := (events + batch - 1) / batch
	if res.Batch != batch || res.Published != events || res.PublishErrors != 0 || res.Unsent != 0 {
		t.Fatalf("batch %d: published %d of %d, errors %v, unsent %d", res.Batch, res.Published, events, res.PublishErrorKinds, res.Unsent)
	}
	if res.Requests != wantReqs || res.RequestErrors != 0 || res.RequestRate <= 0 {
		t.Fatalf("%d requests (%d failed, %.0f/s), want %d", res.Requests, res.RequestErrors, res.RequestRate, wantReqs)
	}
	h.mu.Lock()
	reqs, evs := h.requests, h.batchEvents
	h.mu.Unlock()
	if reqs != wantReqs || evs != events {
		t.Fatalf("hub saw %d requests of %d events, want %d of %d", reqs, evs, wantReqs, events)
	}
	if res.Received != res.Expected || res.Loss != 0 || !res.Drained || res.ServerReported != res.Expected {
		t.Fatalf("received %d of %d (server said %d), loss %d", res.Received, res.Expected, res.ServerReported, res.Loss)
	}
	js, err := json.Marshal(res)
	if err != nil || !strings.Contains(string(js), fmt.Sprintf(`"batch":%d,`, batch)) {
		t.Errorf("JSON has no batch %d: %v", batch, err)
	}
	var table strings.Builder
	loadresult.WriteTable(&table, res)
	if !strings.Contains(table.String(), fmt.Sprintf("batch %d: %d requests", batch, wantReqs)) {
		t.Errorf("table has no batch line:\n%s", table.String())
	}
}

func TestTargetedBatchEndToEnd(t *testing.T) {
	for _, netHTTP := range []bool{false, true} {
		t.Run(fmt.Sprintf("nethttp=%v", netHTTP), func(t *testing.T) {
			h := &testHub{ssehub: true}
			srv := newTestServer(t, h)
			res := runTest(t, Config{
				URL: srv.URL, Target: targetSSEHub, Scenario: "targeted", Batch: 10,
				Conns: 30, Clients: 7, Rate: 200, Duration: time.Second, NetHTTP: netHTTP,
			})
			checkBatchRun(t, h, res, 200, 10)
			// Each client has 4 or 5 streams.
			if res.Expected < 4*200 || res.Expected > 5*200 {
				t.Fatalf("expected %d deliveries", res.Expected)
			}
			if res.Latency == nil || res.Latency.Count != res.Received || res.LatencyGrew == nil {
				t.Errorf("latency %+v, trend %v", res.Latency, res.LatencyGrew)
			}
		})
	}
}

func TestFanoutBatchEndToEnd(t *testing.T) {
	for _, events := range []int{200, 25} { // 20 full requests; 2 full and 1 of 5
		t.Run(fmt.Sprint(events), func(t *testing.T) {
			h := &testHub{ssehub: true}
			srv := newTestServer(t, h)
			res := runTest(t, Config{
				URL: srv.URL, Target: targetSSEHub, Scenario: "fanout", Batch: 10,
				Conns: 50, Events: events,
			})
			checkBatchRun(t, h, res, events, 10)
			if res.Received != uint64(50*events) {
				t.Fatalf("received %d, want %d", res.Received, 50*events)
			}
		})
	}
}

func TestLatencyAndChurnBatchEndToEnd(t *testing.T) {
	h := &testHub{ssehub: true}
	srv := newTestServer(t, h)
	res := runTest(t, Config{
		URL: srv.URL, Target: targetSSEHub, Scenario: "latency", Batch: 4,
		Conns: 20, Rate: 100, Duration: time.Second,
	})
	checkBatchRun(t, h, res, 100, 4)
	if res.Received != 20*100 {
		t.Fatalf("latency: received %d", res.Received)
	}

	h = &testHub{ssehub: true}
	srv = newTestServer(t, h)
	res = runTest(t, Config{
		URL: srv.URL, Target: targetSSEHub, Scenario: "churn", Batch: 5,
		Conns: 40, Rate: 50, Duration: 2 * time.Second, Churn: 0.5, Drain: 5 * time.Second,
	})
	c := res.Churn
	if res.Published != 100 || res.Requests != 20 || c == nil || c.Closes == 0 || c.StableLoss != 0 ||
		c.StableExpected != 100*uint64(c.StableConns) || c.ChurnedMissing != 0 || c.Duplicates != 0 {
		t.Fatalf("churn: published %d in %d requests, %+v", res.Published, res.Requests, c)
	}
}

func TestBatchPublishErrors(t *testing.T) {
	srv := newTestServer(t, &testHub{ssehub: true, failStatus: http.StatusBadRequest})
	res := runTest(t, Config{URL: srv.URL, Target: targetSSEHub, Scenario: "fanout", Conns: 5, Events: 25, Batch: 10, Drain: time.Second})
	if res.Published != 0 || res.PublishErrors != 25 || res.PublishErrorKinds["HTTP 400"] != 25 ||
		res.Requests != 3 || res.RequestErrors != 3 || res.Expected != 0 {
		t.Fatalf("publish errors: %d ok, %d errors %v, %d requests (%d failed)",
			res.Published, res.PublishErrors, res.PublishErrorKinds, res.Requests, res.RequestErrors)
	}
}
