package ssehub_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/sse"
)

// mode is one way a stream can be served; the behaviour tests run in each.
type mode struct {
	name        string
	keepHandler bool
	http2       bool
}

var modes = []mode{
	{name: "http1-takeover"},
	{name: "http1-handler", keepHandler: true},
	{name: "http2", http2: true},
}

// forEachMode runs fn once per mode, each with a fresh hub and server.
func forEachMode(t *testing.T, cfg ssehub.Config, fn func(t *testing.T, e *env)) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := cfg
			c.KeepHandler = m.keepHandler
			fn(t, start(t, c, m))
		})
	}
}

// env is a hub served over real HTTP.
type env struct {
	hub    *ssehub.Hub
	srv    *httptest.Server
	client *http.Client
}

func start(t *testing.T, cfg ssehub.Config, m mode) *env {
	t.Helper()
	hub := ssehub.New(cfg)
	srv := newServer(hub, m)
	e := &env{hub: hub, srv: srv, client: srv.Client()}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		srv.Close()
	})
	return e
}

func (e *env) publish(t *testing.T, m ssehub.Message) ssehub.Receipt {
	t.Helper()
	r, err := e.hub.Publish(context.Background(), m)
	if err != nil {
		t.Fatalf("Publish(%+v): %v", m, err)
	}
	return r
}

// stream is a client's open event stream, read in the background.
type stream struct {
	resp     *http.Response
	events   chan sse.Event
	comments chan string
	done     chan error // the read loop's end: io.EOF on a clean end
}

// open opens GET /?query with the given extra header lines ("Name: value"),
// waits for the response headers and reads the stream in the background.
func (e *env) open(t *testing.T, query string, header ...string) *stream {
	t.Helper()
	s := &stream{
		resp:     e.request(t, query, header...),
		events:   make(chan sse.Event, 10000),
		comments: make(chan string, 100),
		done:     make(chan error, 1),
	}
	go s.read()
	t.Cleanup(s.close)
	return s
}

// request opens a stream and returns the response, which nothing reads.
func (e *env) request(t *testing.T, query string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+"/?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range header {
		name, value, _ := strings.Cut(h, ": ")
		req.Header.Set(name, value)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", query, err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("GET %s: status %d: %s", query, resp.StatusCode, b)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func (s *stream) read() {
	r := sse.NewReader(s.resp.Body)
	r.OnComment = func(c string) {
		select {
		case s.comments <- c:
		default:
		}
	}
	for {
		ev, err := r.Next()
		if err != nil {
			s.done <- err
			close(s.events)
			return
		}
		s.events <- ev
	}
}

func (s *stream) close() { s.resp.Body.Close() }

const waitLimit = 5 * time.Second

// next returns the next event, failing the test if none comes in time.
func (s *stream) next(t *testing.T) sse.Event {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatalf("stream ended: %v", <-s.done)
		}
		return ev
	case <-time.After(waitLimit):
		t.Fatal("no event within", waitLimit)
	}
	return sse.Event{}
}

// expect reads events and checks their data, in order.
func (s *stream) expect(t *testing.T, data ...string) {
	t.Helper()
	for _, want := range data {
		if ev := s.next(t); ev.Data != want {
			t.Fatalf("got event %+v, want data %q", ev, want)
		}
	}
}

// expectNone checks that no event arrives within d.
func (s *stream) expectNone(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if ok {
			t.Fatalf("unexpected event %+v", ev)
		}
	case <-time.After(d):
	}
}

// ended waits for the stream to end and returns the reader's final error.
func (s *stream) ended(t *testing.T) error {
	t.Helper()
	for {
		select {
		case _, ok := <-s.events:
			if !ok {
				return <-s.done
			}
		case <-time.After(waitLimit):
			t.Fatal("stream did not end within", waitLimit)
		}
	}
}

// eventually polls cond until it holds or the wait limit passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, waitLimit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func newServer(hub http.Handler, m mode) *httptest.Server {
	srv := httptest.NewUnstartedServer(hub)
	if m.http2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	return srv
}
