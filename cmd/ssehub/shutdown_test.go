package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/sse"
)

// Cancelling run's context (what SIGINT/SIGTERM do) stops the server
// gracefully: every stream gets everything acknowledged before, then a clean
// end; publishes racing with the shutdown are either delivered or refused
// (503 or a refused connection), never acknowledged and lost; run returns 0
// within the shutdown timeout.
func TestGracefulShutdown(t *testing.T) {
	const timeout = 5 * time.Second
	r := startRun(t, nil, "-addr", "127.0.0.1:0", "-tick", "0", "-queue-size", "16MiB", "-shutdown-timeout", timeout.String())

	streams := map[string]*ssetest.Stream{
		"alice1": ssetest.OpenRegistered(t, r.client, r.url+"/sse?id=alice", nil),
		"alice2": ssetest.OpenRegistered(t, r.client, r.url+"/sse?id=alice", nil),
		"bob":    ssetest.OpenRegistered(t, r.client, r.url+"/sse?id=bob&topic=room", nil),
		"carol":  ssetest.OpenRegistered(t, r.client, r.url+"/sse?id=carol", nil),
	}
	want := map[string][]sse.Event{}
	for i := range 30 {
		var body string
		var to []string
		switch i % 3 {
		case 0:
			body, to = `"clients": ["alice"]`, []string{"alice1", "alice2"}
		case 1:
			body, to = `"topics": ["room"]`, []string{"bob"}
		case 2:
			body, to = `"broadcast": true`, []string{"alice1", "alice2", "bob", "carol"}
		}
		data := fmt.Sprintf("before %d\nsecond line", i)
		p := r.publish(t, fmt.Sprintf(`{%s, "event": "update", "data": %q}`, body, data))
		for _, name := range to {
			want[name] = append(want[name], sse.Event{ID: p.ID, Type: "update", Data: data})
		}
	}

	// Publishers keep broadcasting through the shutdown, with payloads big
	// enough that queues hold unwritten events when it begins, until the
	// server refuses them.
	const publishers = 4
	var (
		mu       sync.Mutex
		acked    = map[string]string{} // id -> data
		refusals []string
		started  = make(chan struct{})
		once     sync.Once
		wg       sync.WaitGroup
	)
	pad := strings.Repeat("p", 4<<10)
	for g := range publishers {
		wg.Go(func() {
			defer once.Do(func() { close(started) })
			for i := 0; ; i++ {
				data := fmt.Sprintf("racing %d-%d %s", g, i, pad)
				code, b, err := r.post("/publish", "application/json", fmt.Sprintf(`{"broadcast": true, "data": %q}`, data))
				refusal := ""
				switch {
				case err != nil:
					refusal = "error: " + err.Error()
				case code != http.StatusOK:
					refusal = fmt.Sprintf("status %d %s", code, bytes.TrimSpace(b))
				}
				mu.Lock()
				if refusal != "" {
					refusals = append(refusals, refusal)
					mu.Unlock()
					return
				}
				var rep publishReply
				if err := json.Unmarshal(b, &rep); err != nil || rep.ID == "" {
					t.Errorf("unreadable 200 reply %q", b)
				}
				acked[rep.ID] = data
				if len(acked) == 50 {
					once.Do(func() { close(started) })
				}
				mu.Unlock()
			}
		})
	}
	<-started

	code, took := r.stop(t, timeout+2*time.Second)
	if code != 0 {
		t.Errorf("run returned %d, want 0\n%s", code, r.stderr)
	}
	// The timeout may be used up: net/http waits up to 5s for a connection a
	// client opened and has not used yet (the publishers' transport dials
	// spare ones); run must then stop waiting when the timeout ends.
	if took > timeout+timeSlack {
		t.Errorf("shutdown took %v, longer than -shutdown-timeout %v\n%s", took, timeout, r.stderr)
	}
	wg.Wait()

	t.Logf("%d racing publishes acknowledged; then %q", len(acked), refusals)
	for _, refusal := range refusals {
		if !strings.HasPrefix(refusal, "status 503") && !isRefused(refusal) {
			t.Errorf("a publish during shutdown got %s; want 503 or a refused or closed connection", refusal)
		}
		if strings.HasPrefix(refusal, "status 503") && !strings.Contains(refusal, `"error"`) {
			t.Errorf("503 without a JSON error: %s", refusal)
		}
	}

	for name, s := range streams {
		got, err := s.Ended(t)
		if err != io.EOF {
			t.Errorf("%s: stream ended with %v, want a clean EOF", name, err)
		}
		n := len(want[name])
		if len(got) < n || !slices.Equal(got[:n], want[name]) {
			t.Errorf("%s: received%s\nwant first%s", name, fmtEvents(got), fmtEvents(want[name]))
			continue
		}
		seen := map[string]bool{}
		var prev uint64
		for _, ev := range got[n:] {
			id, _ := strconv.ParseUint(ev.ID, 10, 64)
			if id <= prev {
				t.Errorf("%s: event %s after %d: out of order or repeated", name, ev.ID, prev)
			}
			prev = id
			if acked[ev.ID] != ev.Data {
				// Delivered though its publisher did not hear back: allowed
				// only for the one publish cut short by the shutdown.
				if !strings.HasPrefix(ev.Data, "racing ") {
					t.Errorf("%s: unexpected event %q", name, ev)
				}
			}
			seen[ev.ID] = true
		}
		for id, data := range acked {
			if !seen[id] {
				t.Errorf("%s: publish %s (%q) was acknowledged with 200 but never delivered", name, id, data)
			}
		}
	}
}

// timeSlack is how late past its deadline a timed step may finish.
const timeSlack = 500 * time.Millisecond

// isRefused reports whether a publish failed at the transport: the server
// refused the connection, or closed a kept-alive one before reading the
// request. The publisher knows it was not acknowledged.
func isRefused(refusal string) bool { return strings.HasPrefix(refusal, "error: ") }

// While the hub drains a stalled stream, the server is still up: /healthz
// and /publish answer 503 (with a JSON error), new streams are opened and
// ended at once, and run still returns 0 when the shutdown timeout ends.
func TestPublishDuringShutdownGets503(t *testing.T) {
	const timeout = 3 * time.Second
	r := startRun(t, nil, "-addr", "127.0.0.1:0", "-tick", "0", "-queue-size", "64MiB",
		"-write-timeout", "1m", "-shutdown-timeout", timeout.String())
	good := ssetest.OpenRegistered(t, r.client, r.url+"/sse?id=good", nil)

	// A client that stops reading, with a small receive buffer: the socket
	// fills up and the rest waits in its queue, so draining it cannot end
	// before the shutdown timeout does.
	nc := dialSmallBuffer(t, r.addr)
	fmt.Fprintf(nc, "GET /sse?id=stalled HTTP/1.1\r\nHost: %s\r\n\r\n", r.addr)
	ssetest.Eventually(t, "the stalled stream is registered", func() bool {
		code, _, err := r.post("/ping/stalled", "", "")
		return err == nil && code == http.StatusOK
	})
	big := strings.Repeat("x", 900<<10)
	for range 8 {
		r.publish(t, fmt.Sprintf(`{"clients": ["stalled"], "data": %q}`, big))
	}
	if code, b, err := r.post("/ping/stalled", "", ""); err != nil || code != http.StatusOK {
		t.Fatalf("the stalled stream is gone before the shutdown: %d %q %v", code, b, err)
	}
	last := r.publish(t, `{"clients": ["good"], "data": "last before shutdown"}`)

	start := time.Now()
	r.cancel()
	ssetest.Eventually(t, "GET /healthz answers 503", func() bool {
		resp, err := r.client.Get(r.url + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	})
	code, body, err := r.post("/publish", "application/json", `{"broadcast": true, "data": "too late"}`)
	if err != nil || code != http.StatusServiceUnavailable || !strings.Contains(string(body), `"error"`) {
		t.Errorf("publish during shutdown: %d %q %v; want 503 with a JSON error", code, body, err)
	}
	// A stream opened now is told to come back later: a 200 that ends.
	resp, err := r.client.Get(r.url + "/sse?id=late")
	if err != nil {
		t.Fatalf("GET /sse during shutdown: %v", err)
	}
	lateBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" || err != nil {
		t.Errorf("stream opened during shutdown: %d %s %v; want a 200 event stream that ends", resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	if ev, err := sse.NewReader(strings.NewReader(string(lateBody))).Next(); err != io.EOF {
		t.Errorf("stream opened during shutdown delivered %q (%v), want nothing", ev, err)
	}

	// Already cancelled: stop only waits for run to return.
	if code, _ := r.stop(t, timeout+ssetest.Wait); code != 0 {
		t.Errorf("run returned %d, want 0", code)
	}
	if took := time.Since(start); took > timeout+timeSlack {
		t.Errorf("shutdown took %v, more than -shutdown-timeout %v", took, timeout)
	}
	evs, err := good.Ended(t)
	if err != io.EOF || len(evs) != 1 || evs[0].ID != last.ID {
		t.Errorf("good stream ended with %q, %v; want its last event %s and a clean EOF", evs, err, last.ID)
	}
}

// dialSmallBuffer connects to addr with a small receive buffer, so that a
// stream it does not read stalls the hub's writes quickly. Cleanup closes it.
func dialSmallBuffer(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		c.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10)
		})
		return err
	}}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// Events still queued for a slow client when the shutdown begins are
// written before its stream ends, cleanly.
func TestShutdownDeliversQueuedEvents(t *testing.T) {
	const timeout = 10 * time.Second
	r := startRun(t, nil, "-addr", "127.0.0.1:0", "-tick", "0", "-queue-size", "64MiB",
		"-shutdown-timeout", timeout.String())

	nc := dialSmallBuffer(t, r.addr)
	nc.SetDeadline(time.Now().Add(timeout + ssetest.Wait))
	fmt.Fprintf(nc, "GET /sse?id=slow HTTP/1.1\r\nHost: %s\r\n\r\n", r.addr)
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /sse?id=slow: %v %v", resp, err)
	}
	defer resp.Body.Close()
	// Read the prologue: the blank line after it is written once the
	// stream is registered. Then stop reading.
	body := bufio.NewReader(resp.Body)
	prologue, err := ssetest.ReadPrologue(body)
	if err != nil {
		t.Fatalf("prologue %q: %v", prologue, err)
	}

	var want []sse.Event
	for i := range 8 {
		data := fmt.Sprintf("%d %s", i, strings.Repeat("q", 900<<10))
		p := r.publish(t, fmt.Sprintf(`{"clients": ["slow"], "data": %q}`, data))
		want = append(want, sse.Event{ID: p.ID, Type: "message", Data: data})
	}

	r.cancel()
	// The hub must now be finishing the slow stream: only then read it.
	ssetest.Eventually(t, "GET /healthz answers 503", func() bool {
		resp, err := r.client.Get(r.url + "/healthz")
		if err != nil {
			return true // already past the hub's shutdown
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	})
	rd := sse.NewReader(io.MultiReader(strings.NewReader(prologue), body))
	var got []sse.Event
	for {
		ev, err := rd.Next()
		if err != nil {
			if err != io.EOF {
				t.Errorf("slow stream ended with %v, want a clean EOF", err)
			}
			break
		}
		got = append(got, ev)
	}
	if len(got) != len(want) {
		t.Errorf("slow stream received %d of the %d events queued before the shutdown", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("event %d: got id %s (%d bytes), want id %s (%d bytes)", i, got[i].ID, len(got[i].Data), want[i].ID, len(want[i].Data))
		}
	}
	// Already cancelled: stop only waits for run to return.
	if code, _ := r.stop(t, timeout+ssetest.Wait); code != 0 {
		t.Errorf("run returned %d, want 0", code)
	}
}
