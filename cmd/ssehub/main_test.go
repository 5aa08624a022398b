package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ssehub/ssehub/sse"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// within bounds every wait for something that must happen.
const within = 5 * time.Second

// lockedBuffer is an io.Writer safe for the concurrent writes of run's
// logger, readable at any time.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// envOf returns a getenv that knows only vars.
func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// running is run() serving in this process.
type running struct {
	addr   string
	url    string
	cancel context.CancelFunc
	code   chan int
	stderr *lockedBuffer
	client *http.Client
}

// startRun runs run(args, env) and returns once it accepts connections.
// Cleanup cancels it and waits for it to return.
func startRun(t *testing.T, env map[string]string, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{
		cancel: cancel,
		code:   make(chan int, 1),
		stderr: new(lockedBuffer),
		client: &http.Client{Transport: &http.Transport{}},
	}
	ready := make(chan string, 1)
	go func() { r.code <- run(ctx, args, envOf(env), r.stderr, ready) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.code:
		case <-time.After(30 * time.Second):
			t.Errorf("run did not return after its context ended\n%s", r.stderr)
		}
		r.client.CloseIdleConnections()
	})
	select {
	case r.addr = <-ready:
	case code := <-r.code:
		r.code <- code
		t.Fatalf("run returned %d before it was ready\n%s", code, r.stderr)
	case <-time.After(within):
		t.Fatalf("run not ready within %v\n%s", within, r.stderr)
	}
	r.url = "http://" + r.addr
	return r
}

// stop cancels run's context and returns its exit code and how long it took.
func (r *running) stop(t *testing.T, limit time.Duration) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	r.cancel()
	select {
	case code := <-r.code:
		r.code <- code // for cleanup
		return code, time.Since(start)
	case <-time.After(limit):
		t.Fatalf("run still running %v after its context ended\n%s", limit, r.stderr)
	}
	panic("unreachable")
}

type publishReply struct {
	ID          string `json:"id"`
	Connections int    `json:"connections"`
}

// post sends body to path and returns the status and body; err is a
// transport error (the server refused or dropped the connection).
func (r *running) post(path, contentType, body string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// publish posts a JSON body and requires a 200 with its receipt.
func (r *running) publish(t *testing.T, body string) publishReply {
	t.Helper()
	code, b, err := r.post("/publish", "application/json", body)
	if err != nil || code != http.StatusOK {
		t.Fatalf("POST /publish %s: %d %q %v", body, code, b, err)
	}
	var pr publishReply
	if err := json.Unmarshal(b, &pr); err != nil || pr.ID == "" {
		t.Fatalf("POST /publish: reply %q: %v", b, err)
	}
	return pr
}

// evStream is an open event stream read with sse.Reader by a goroutine.
type evStream struct {
	resp   *http.Response
	events chan sse.Event
	quit   chan struct{}
	done   chan struct{}
	err    error // why reading ended, set before done is closed
}

// openEvStream opens the event stream at u and returns once the hub has
// registered it (the blank line ending the prologue it writes after
// registering has arrived).
func openEvStream(t *testing.T, client *http.Client, u string) *evStream {
	t.Helper()
	resp, err := client.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("GET %s: %d %s %q, want a 200 event stream", u, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	timer := time.AfterFunc(within, func() { resp.Body.Close() })
	br := bufio.NewReader(resp.Body)
	var prologue strings.Builder
	for {
		line, err := br.ReadString('\n')
		prologue.WriteString(line)
		if err != nil {
			resp.Body.Close()
			t.Fatalf("GET %s: prologue %q: %v", u, prologue.String(), err)
		}
		if line == "\n" {
			break
		}
	}
	timer.Stop()
	s := &evStream{
		resp:   resp,
		events: make(chan sse.Event, 4096),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	rd := sse.NewReader(io.MultiReader(strings.NewReader(prologue.String()), br))
	go func() {
		defer close(s.done)
		for {
			ev, err := rd.Next()
			if err != nil {
				s.err = err
				return
			}
			select {
			case s.events <- ev:
			case <-s.quit:
				s.err = errors.New("closed by the test")
				return
			}
		}
	}()
	t.Cleanup(s.close)
	return s
}

func (s *evStream) close() {
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
	s.resp.Body.Close()
	<-s.done
}

// next returns the next event or fails the test after d.
func (s *evStream) next(t *testing.T, d time.Duration) sse.Event {
	t.Helper()
	ev, ok := s.nextWithin(d)
	if !ok {
		t.Fatalf("no event within %v (stream error: %v)", d, s.err)
	}
	return ev
}

// nextWithin returns the next event, or false if none came within d or the
// stream ended.
func (s *evStream) nextWithin(d time.Duration) (sse.Event, bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case ev := <-s.events:
		return ev, true
	case <-s.done:
		select {
		case ev := <-s.events:
			return ev, true
		default:
			return sse.Event{}, false
		}
	case <-timer.C:
		return sse.Event{}, false
	}
}

// rest waits for the stream to end and returns the events not yet taken and
// the error reading ended with (io.EOF for a clean end).
func (s *evStream) rest(t *testing.T, d time.Duration) ([]sse.Event, error) {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(d):
		t.Fatalf("stream still open after %v", d)
	}
	var evs []sse.Event
	for {
		select {
		case ev := <-s.events:
			evs = append(evs, ev)
		default:
			return evs, s.err
		}
	}
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// refused reports whether nothing accepts connections at addr.
func refused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return true
	}
	c.Close()
	return false
}

func fmtEvents(evs []sse.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "\n\t{id %s, type %s, data %q}", e.ID, e.Type, e.Data)
	}
	return b.String()
}
