package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/sse"
)

// TestMain checks for leaked goroutines, and removes the ssehub binary the
// tests built, if any.
func TestMain(m *testing.M) { goleak.VerifyTestMain(removingBinary{m}) }

// removingBinary runs the tests, then removes what hubBinary built.
type removingBinary struct{ *testing.M }

func (m removingBinary) Run() int {
	defer removeHubBinary()
	return m.M.Run()
}

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
	case <-time.After(ssetest.Wait):
		t.Fatalf("run not ready within %v\n%s", ssetest.Wait, r.stderr)
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
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
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
