package ssetest

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssehub/ssehub/sse"
)

// Wait bounds every wait for something that must happen.
const Wait = 5 * time.Second

// Buffer sizes of a Stream's channels. Events are buffered generously, so
// that a test that reads late does not slow the server down; comments that
// find their buffer full are dropped.
const (
	eventBuffer   = 10000
	commentBuffer = 100
)

// Stream is an event stream read in the background by a goroutine with
// [sse.Reader]. Its methods fail the test (with Fatal) when a wait runs out.
type Stream struct {
	// Resp is the response, headers included; its body belongs to the
	// reading goroutine.
	Resp *http.Response
	// Events delivers the stream's events in order. It is closed when
	// reading ends: the server ended the stream, the connection failed, or
	// Close was called.
	Events <-chan sse.Event
	// Comments delivers the stream's comment lines (heartbeats), without
	// the colon; any that do not fit its buffer are dropped.
	Comments <-chan string

	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	err       error // why reading ended; set before Events is closed
}

// Get sends GET url with the given extra header through client, requires a
// 200 and returns the response, whose body is closed when the test ends.
// Nothing reads the body.
func Get(t testing.TB, client *http.Client, url string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", short(url), err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("GET %s: status %d, body %q; want 200", short(url), resp.StatusCode, b)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// Open opens the event stream at url as [Get] does and returns as soon as
// the response headers are in, reading the stream in the background until
// Close is called or the test ends.
func Open(t testing.TB, client *http.Client, url string, header http.Header) *Stream {
	t.Helper()
	resp := Get(t, client, url, header)
	return start(t, resp, resp.Body)
}

// OpenRegistered opens a hub's event stream at url as [Open] does, but also
// requires Content-Type text/event-stream and returns only once the server
// has registered the stream: once the prologue the hub writes after
// registering it (see [ReadPrologue]) has arrived. The events in the
// prologue, such as a reset event, are delivered like any other.
func OpenRegistered(t testing.TB, client *http.Client, url string, header http.Header) *Stream {
	t.Helper()
	resp := Get(t, client, url, header)
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("GET %s: Content-Type %q, want text/event-stream", short(url), ct)
	}
	timer := time.AfterFunc(Wait, func() { resp.Body.Close() })
	br := bufio.NewReader(resp.Body)
	prologue, err := ReadPrologue(br)
	if err != nil {
		t.Fatalf("GET %s: stream prologue %q: %v", short(url), prologue, err)
	}
	if !timer.Stop() {
		t.Fatalf("GET %s: no prologue within %v", short(url), Wait)
	}
	return start(t, resp, io.MultiReader(strings.NewReader(prologue), br))
}

// ReadPrologue reads a hub's stream up to and including the first blank
// line, and returns what it read. The hub's hello ("retry:") has no blank
// line; the first blank line ends what it writes once the stream is
// registered (an optional reset event, then "id: <head>"). On an error,
// prologue is what was read before it.
func ReadPrologue(r *bufio.Reader) (prologue string, err error) {
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			return b.String(), err
		}
		if line == "\n" {
			return b.String(), nil
		}
	}
}

// start reads body as an event stream in a new goroutine, which Close (run
// when the test ends) stops.
func start(t testing.TB, resp *http.Response, body io.Reader) *Stream {
	events := make(chan sse.Event, eventBuffer)
	comments := make(chan string, commentBuffer)
	s := &Stream{
		Resp:     resp,
		Events:   events,
		Comments: comments,
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	rd := sse.NewReader(body)
	rd.OnComment = func(c string) {
		select {
		case comments <- c:
		default:
		}
	}
	go func() {
		defer close(s.done)
		defer close(events)
		for {
			ev, err := rd.Next()
			if err != nil {
				s.err = err
				return
			}
			select {
			case events <- ev:
			case <-s.quit:
				s.err = errors.New("closed by the test")
				return
			}
		}
	}()
	t.Cleanup(s.Close)
	return s
}

// Close hangs up and waits for the reading goroutine to stop. It may be
// called more than once, and from any goroutine.
func (s *Stream) Close() {
	s.closeOnce.Do(func() {
		close(s.quit)
		s.Resp.Body.Close()
	})
	<-s.done
}

// Next returns the next event, failing the test if the stream ends first or
// no event comes within [Wait].
func (s *Stream) Next(t testing.TB) sse.Event {
	t.Helper()
	timer := time.NewTimer(Wait)
	defer timer.Stop()
	select {
	case ev, ok := <-s.Events:
		if !ok {
			t.Fatalf("stream ended before the expected event: %v", s.err)
		}
		return ev
	case <-timer.C:
		t.Fatalf("no event within %v", Wait)
	}
	panic("unreachable")
}

// Expect reads len(data) events and requires their data to be data, in
// order.
func (s *Stream) Expect(t testing.TB, data ...string) {
	t.Helper()
	for _, want := range data {
		if ev := s.Next(t); ev.Data != want {
			t.Fatalf("got event %+v, want data %q", ev, want)
		}
	}
}

// ExpectNone requires that no event arrives within d; the stream ending
// meanwhile is not an event.
func (s *Stream) ExpectNone(t testing.TB, d time.Duration) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case ev, ok := <-s.Events:
		if ok {
			t.Fatalf("unexpected event %+v", ev)
		}
	case <-timer.C:
	}
}

// Ended waits up to [Wait] for the stream to end and returns the events not
// yet taken and the error reading ended with: io.EOF for a clean end by the
// server.
func (s *Stream) Ended(t testing.TB) (rest []sse.Event, err error) {
	t.Helper()
	timer := time.NewTimer(Wait)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-s.Events:
			if !ok {
				return rest, s.err
			}
			rest = append(rest, ev)
		case <-timer.C:
			t.Fatalf("stream still open after %v", Wait)
		}
	}
}

// Eventually polls cond until it holds, failing the test with what if it
// does not within [Wait].
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, Wait)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// short keeps messages about huge URLs readable.
func short(s string) string {
	if len(s) > 200 {
		return s[:200] + "...(" + strconv.Itoa(len(s)) + " bytes)"
	}
	return s
}
