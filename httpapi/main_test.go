package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/sse"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait for something that must happen.
const wait = 5 * time.Second

// testServer is a hub served by httpapi on a real loopback port.
type testServer struct {
	hub    *ssehub.Hub
	srv    *httptest.Server
	client *http.Client
}

// newTestServer starts a hub and its HTTP API; cleanup shuts both down.
func newTestServer(t *testing.T, cfg ssehub.Config) *testServer {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	hub := ssehub.New(cfg)
	srv := httptest.NewServer(httpapi.New(hub))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Errorf("hub.Shutdown: %v", err)
		}
		srv.Close()
	})
	return &testServer{hub: hub, srv: srv, client: srv.Client()}
}

// do sends one request and returns the status, header and whole body.
func (ts *testServer) do(t *testing.T, method, path, contentType string, body io.Reader) (int, http.Header, []byte) {
	t.Helper()
	// A request that must get a short answer gets it in time: a stream
	// opened by mistake fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, ts.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, short(path), err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") == "text/event-stream" {
		// An event stream where an answer was expected: do not wait for
		// its end, show what it is.
		return resp.StatusCode, resp.Header, []byte("<an event stream>")
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, short(path), err)
	}
	return resp.StatusCode, resp.Header, b
}

// short keeps error messages about huge URLs readable.
func short(s string) string {
	if len(s) > 200 {
		return s[:200] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

type publishResponse struct {
	ID          string `json:"id"`
	Connections int    `json:"connections"`
}

// publishOK posts body with contentType to /publish and requires a 200 with
// exactly {"id": ..., "connections": ...}.
func (ts *testServer) publishOK(t *testing.T, contentType, body string) publishResponse {
	t.Helper()
	code, h, b := ts.do(t, http.MethodPost, "/publish", contentType, strings.NewReader(body))
	if code != http.StatusOK {
		t.Fatalf("POST /publish %s: status %d, body %q; want 200", body, code, b)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("POST /publish: Content-Type %q, want application/json", ct)
	}
	var pr publishResponse
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pr); err != nil {
		t.Fatalf("POST /publish: response %q: %v", b, err)
	}
	if _, ok := ssehub.ParseID(pr.ID); !ok {
		t.Fatalf("POST /publish: response id %q is not a decimal sequence number", pr.ID)
	}
	return pr
}

func (ts *testServer) publishJSON(t *testing.T, body string) publishResponse {
	t.Helper()
	return ts.publishOK(t, "application/json", body)
}

func (ts *testServer) publishForm(t *testing.T, form url.Values) publishResponse {
	t.Helper()
	return ts.publishOK(t, "application/x-www-form-urlencoded", form.Encode())
}

// stream is an open event stream read by a real HTTP client and sse.Reader.
type stream struct {
	resp   *http.Response
	events chan sse.Event
	quit   chan struct{}
	done   chan struct{}
	err    error // why reading ended; set before done is closed
}

// openStream opens GET /sse?query and returns once the hub has registered
// the stream: the prologue it writes after registering (an optional reset
// event, then "id: <head>" and a blank line) has arrived.
func (ts *testServer) openStream(t *testing.T, query string, header http.Header) *stream {
	t.Helper()
	return openStream(t, ts.client, ts.srv.URL+"/sse?"+query, header)
}

func openStream(t *testing.T, client *http.Client, u string, header http.Header) *stream {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", short(u), err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("GET %s: status %d, body %q; want 200", short(u), resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		resp.Body.Close()
		t.Fatalf("GET %s: Content-Type %q, want text/event-stream", u, ct)
	}
	// The hello ("retry:") has no blank line; the first blank line ends what
	// the hub writes once the stream is registered.
	timer := time.AfterFunc(wait, func() { resp.Body.Close() })
	br := bufio.NewReader(resp.Body)
	var prologue strings.Builder
	for {
		line, err := br.ReadString('\n')
		prologue.WriteString(line)
		if err != nil {
			resp.Body.Close()
			t.Fatalf("GET %s: stream prologue %q: %v", u, prologue.String(), err)
		}
		if line == "\n" {
			break
		}
	}
	if !timer.Stop() {
		t.Fatalf("GET %s: no prologue within %v", u, wait)
	}
	s := &stream{
		resp:   resp,
		events: make(chan sse.Event, 1024),
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

// close hangs up and waits for the reader to stop; closing twice is harmless.
func (s *stream) close() {
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
	s.resp.Body.Close()
	<-s.done
}

// next returns the next event, failing the test if none arrives in time.
func (s *stream) next(t *testing.T) sse.Event {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case ev := <-s.events:
		return ev
	case <-s.done:
		select {
		case ev := <-s.events:
			return ev
		default:
		}
		t.Fatalf("stream ended before the expected event: %v", s.err)
	case <-timer.C:
		t.Fatalf("no event within %v", wait)
	}
	panic("unreachable")
}

// end waits for the stream to end and returns the events it still received
// and the error reading stopped with (io.EOF for a clean end).
func (s *stream) end(t *testing.T) ([]sse.Event, error) {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(wait):
		t.Fatalf("stream still open after %v", wait)
	}
	var rest []sse.Event
	for {
		select {
		case ev := <-s.events:
			rest = append(rest, ev)
		default:
			return rest, s.err
		}
	}
}

// until returns the events up to, not including, the one with id.
func (s *stream) until(t *testing.T, id string) []sse.Event {
	t.Helper()
	var got []sse.Event
	for {
		ev := s.next(t)
		if ev.ID == id {
			return got
		}
		got = append(got, ev)
	}
}

// seq parses an event id.
func seq(t *testing.T, id string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		t.Fatalf("event id %q is not a decimal number: %v", id, err)
	}
	return n
}

// poll waits until cond holds, failing the test after wait.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, wait)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
