package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/redistest"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/sse"
)

// The failover scenarios (failover_test.go) drive real ssehub processes
// over HTTP while Redis fails over under them: a publisher that retries
// with an Idempotency-Key per event, readers that hop from node to node
// with Last-Event-ID, and a watcher of /readyz. These are their parts.

// haEvent is an event the publisher got a receipt for.
type haEvent struct {
	seq  uint64
	data string
	at   time.Time
}

// haPublisher publishes broadcast events e0, e1, ... one at a time, one
// every `every`, each with its own Idempotency-Key, through the nodes in
// turn. A publish refused (503, no answer) is retried with the same key on
// the next node every 50 ms until it is acknowledged (or 20 s pass).
type haPublisher struct {
	nodes []*hubProcess
	every time.Duration

	mu       sync.Mutex
	acked    []haEvent
	refused  int           // attempts answered with anything but 200
	repeated int           // retries answered with an earlier receipt
	longest  time.Duration // longest unavailability: first refused attempt to the next receipt
	outageAt time.Time     // when the longest began
	lost     []string      // events given up on

	stop chan struct{}
	done chan struct{}
}

func startHAPublisher(nodes []*hubProcess, every time.Duration) *haPublisher {
	p := &haPublisher{nodes: nodes, every: every, stop: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

func (p *haPublisher) run() {
	defer close(p.done)
	tick := time.NewTicker(p.every)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
		p.publish(i)
	}
}

// publish publishes event i until it is acknowledged.
func (p *haPublisher) publish(i int) {
	data, key := fmt.Sprintf("e%d", i), fmt.Sprintf("k%d", i)
	var firstRefusal time.Time
	giveUp := time.Now().Add(20 * time.Second)
	for attempt := 0; time.Now().Before(giveUp); attempt++ {
		start := time.Now()
		seq, repeated, ok := p.post(p.nodes[(i+attempt)%len(p.nodes)], key, data)
		p.mu.Lock()
		if ok {
			now := time.Now()
			p.acked = append(p.acked, haEvent{seq: seq, data: data, at: now})
			if repeated {
				p.repeated++
			}
			if !firstRefusal.IsZero() && now.Sub(firstRefusal) > p.longest {
				p.longest, p.outageAt = now.Sub(firstRefusal), firstRefusal
			}
			p.mu.Unlock()
			return
		}
		p.refused++
		p.mu.Unlock()
		if firstRefusal.IsZero() {
			firstRefusal = start
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.mu.Lock()
	p.lost = append(p.lost, data)
	p.mu.Unlock()
}

// post publishes one broadcast event with key, and returns its receipt.
func (p *haPublisher) post(node *hubProcess, key, data string) (seq uint64, repeated, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	body := fmt.Sprintf(`{"broadcast":true,"data":%q}`, data)
	req, _ := http.NewRequestWithContext(ctx, "POST", node.url+"/publish", bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := node.client.Do(req)
	if err != nil {
		return 0, false, false
	}
	defer resp.Body.Close()
	var r struct {
		ID       string
		Repeated bool
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&r) != nil {
		return 0, false, false
	}
	seq, err = strconv.ParseUint(r.ID, 10, 64)
	return seq, r.Repeated, err == nil
}

// finish stops publishing, once the event in flight is acknowledged, and
// returns the receipts in the order they came.
func (p *haPublisher) finish() []haEvent {
	close(p.stop)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.acked)
}

// count returns how many events were acknowledged so far.
func (p *haPublisher) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.acked)
}

// haReader is one client's stream, hopping to the next node every 20 to 40
// events (and whenever its stream ends) with Last-Event-ID, as a browser
// does, and recording every event it gets.
type haReader struct {
	id    string
	nodes []*hubProcess

	mu   sync.Mutex
	evs  []sse.Event
	hops int
	last uint64 // the highest event id received

	registered     chan struct{} // closed once its first stream is registered
	registeredOnce sync.Once
	stop           chan struct{}
	done           chan struct{}
}

func startHAReader(id string, nodes []*hubProcess, first int) *haReader {
	r := &haReader{id: id, nodes: nodes, registered: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go r.run(first)
	return r
}

func (r *haReader) run(first int) {
	defer close(r.done)
	last := ""
	for n := first; ; n++ {
		last = r.stream(r.nodes[n%len(r.nodes)], last, 20+rand.IntN(20))
		select {
		case <-r.stop:
			return
		case <-time.After(20 * time.Millisecond):
		}
		r.mu.Lock()
		r.hops++
		r.mu.Unlock()
	}
}

// stream reads at most n events from a stream on node that resumes after
// last, and returns the last event id it saw (last if none).
func (r *haReader) stream(node *hubProcess, last string, n int) string {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-r.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	req, _ := http.NewRequestWithContext(ctx, "GET", node.url+"/sse?id="+r.id, nil)
	if last != "" {
		req.Header.Set("Last-Event-ID", last)
	}
	resp, err := node.client.Do(req)
	if err != nil {
		return last
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return last
	}
	br := bufio.NewReader(resp.Body)
	prologue, err := ssetest.ReadPrologue(br) // the stream is registered
	if err != nil {
		return last
	}
	r.registeredOnce.Do(func() { close(r.registered) })
	rd := sse.NewReader(io.MultiReader(strings.NewReader(prologue), br))
	for range n {
		ev, err := rd.Next()
		if err != nil {
			return last
		}
		r.mu.Lock()
		r.evs = append(r.evs, ev)
		if seq, err := strconv.ParseUint(ev.ID, 10, 64); err == nil {
			r.last = max(r.last, seq)
		}
		r.mu.Unlock()
		if ev.ID != "" {
			last = ev.ID
		}
	}
	return last
}

// reached reports whether the reader has received an event numbered seq
// or above.
func (r *haReader) reached(seq uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last >= seq
}

// finish stops the reader and returns what it received.
func (r *haReader) finish() []sse.Event {
	close(r.stop)
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.evs)
}

// readyWatch polls each node's /readyz every 100 ms and remembers which
// answered anything but 200.
type readyWatch struct {
	mu  sync.Mutex
	red map[int]int // node → polls not ready

	stop chan struct{}
	wg   sync.WaitGroup
}

func watchReady(nodes []*hubProcess) *readyWatch {
	w := &readyWatch{red: map[int]int{}, stop: make(chan struct{})}
	for i, node := range nodes {
		w.wg.Go(func() {
			for {
				if !node.ready() {
					w.mu.Lock()
					w.red[i]++
					w.mu.Unlock()
				}
				select {
				case <-w.stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		})
	}
	return w
}

// finish stops watching and returns how many polls of each node found it
// not ready.
func (w *readyWatch) finish() map[int]int {
	close(w.stop)
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.red
}

// ready reports whether GET /readyz answers 200 within a second.
func (p *hubProcess) ready() bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", p.url+"/readyz", nil)
	resp, err := p.client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// checkExactlyOnce requires that evs hold every acknowledged event, each
// once, with its id and data, in order, and nothing else: no reset, no
// event twice.
func checkExactlyOnce(t *testing.T, name string, evs []sse.Event, acked []haEvent) {
	t.Helper()
	got := map[string]uint64{} // data → id
	var last uint64
	for i, ev := range evs {
		if ev.Type == "reset" {
			t.Errorf("%s: a reset event (%s) after %d events", name, ev.Data, i)
			continue
		}
		seq, err := strconv.ParseUint(ev.ID, 10, 64)
		if err != nil || seq <= last {
			t.Errorf("%s: event %d has id %q after %d: repeated or out of order", name, i, ev.ID, last)
			return
		}
		last = seq
		if _, dup := got[ev.Data]; dup {
			t.Errorf("%s: event %q received twice", name, ev.Data)
		}
		got[ev.Data] = seq
	}
	missing := 0
	for _, e := range acked {
		if seq, ok := got[e.data]; !ok || seq != e.seq {
			if missing++; missing <= 5 {
				t.Errorf("%s: acknowledged event %s (id %d) arrived as id %d (0: never)", name, e.data, e.seq, seq)
			}
		}
	}
	if missing > 5 {
		t.Errorf("%s: %d acknowledged events in all did not arrive as acknowledged", name, missing)
	}
}

// checkNoSilentGap requires that every acknowledged event that evs lack is
// preceded by a reset event: after the last event before it (in the order
// of the receipts) that evs hold. Without replicas, a failover may lose
// acknowledged events, but never silently.
func checkNoSilentGap(t *testing.T, name string, evs []sse.Event, acked []haEvent) (missing int) {
	t.Helper()
	at := map[string]int{} // "seq data" → index in evs
	for i, ev := range evs {
		if ev.Type != "reset" {
			at[ev.ID+" "+ev.Data] = i
		}
	}
	prev := -1 // index of the last acknowledged event received so far
	for _, e := range acked {
		if i, ok := at[strconv.FormatUint(e.seq, 10)+" "+e.data]; ok {
			prev = max(prev, i)
			continue
		}
		missing++
		if !slices.ContainsFunc(evs[prev+1:], func(ev sse.Event) bool { return ev.Type == "reset" }) {
			t.Errorf("%s: acknowledged event %s (id %d) is missing, with no reset event after the event before it", name, e.data, e.seq)
			return missing
		}
	}
	return missing
}

// lostFromLog returns the acknowledged events that the log's stream in
// Redis, on the server at addr, no longer holds (with their ids and data).
func lostFromLog(t *testing.T, addr string, acked []haEvent) []haEvent {
	t.Helper()
	reply, err := redistest.Do(addr, "XRANGE", logKey, "-", "+")
	if err != nil {
		t.Fatalf("XRANGE %s on %s: %v", logKey, addr, err)
	}
	held := map[string]bool{}
	entries, _ := reply.([]any)
	for _, x := range entries {
		entry, _ := x.([]any)
		if len(entry) != 2 {
			t.Fatalf("XRANGE %s: unexpected entry %v", logKey, x)
		}
		id, _ := entry[0].(string)
		fields, _ := entry[1].([]any)
		for i := 0; i+1 < len(fields); i += 2 {
			if fields[i] == "d" {
				held[strings.TrimSuffix(id, "-0")+" "+fmt.Sprint(fields[i+1])] = true
			}
		}
	}
	var lost []haEvent
	for _, e := range acked {
		if !held[strconv.FormatUint(e.seq, 10)+" "+e.data] {
			lost = append(lost, e)
		}
	}
	return lost
}
