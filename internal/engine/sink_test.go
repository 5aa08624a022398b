package engine

import (
	"github.com/ssehub/ssehub/selector"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// memSink is a sink in memory: the boundary of the unit under test. It
// records what is written, and a test can make its writes wait (hold),
// fail (fail), or, pooled, take only part of what is offered.
type memSink struct {
	wrote    chan struct{} // a signal after every write that wrote
	entered  chan struct{} // a signal when a Write begins
	returned chan struct{} // a signal when a Write returns, written or failed
	shut     chan struct{} // a signal when the sink is closed

	mu      sync.Mutex
	written []byte
	writes  int           // calls that wrote (Write and TryWrite)
	hold    chan struct{} // when set, Write waits until it is closed
	err     error         // what writes return from now on
	closed  bool
}

func newMemSink() *memSink {
	return &memSink{wrote: make(chan struct{}, 100), entered: make(chan struct{}, 100), returned: make(chan struct{}, 100), shut: make(chan struct{}, 1)}
}

func (m *memSink) Write(p []byte) error {
	m.entered <- struct{}{}
	defer func() { m.returned <- struct{}{} }()
	m.mu.Lock()
	hold := m.hold
	m.mu.Unlock()
	if hold != nil {
		<-hold
	}
	m.mu.Lock()
	if m.err != nil {
		defer m.mu.Unlock()
		return m.err
	}
	m.written = append(m.written, p...)
	m.writes++
	m.mu.Unlock()
	m.wrote <- struct{}{}
	return nil
}

func (m *memSink) Close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.shut <- struct{}{}
}

// holdWrites makes Write wait until the returned function is called.
func (m *memSink) holdWrites() (release func()) {
	ch := make(chan struct{})
	m.mu.Lock()
	m.hold = ch
	m.mu.Unlock()
	return func() { close(ch) }
}

func (m *memSink) fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.err = err
}

// state returns what was written, in how many writes, and whether the sink
// was closed.
func (m *memSink) state() (written string, writes int, closed bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return string(m.written), m.writes, m.closed
}

// pooledMemSink is a memSink the writer pool writes.
type pooledMemSink struct {
	*memSink
	take    int    // bytes TryWrite takes of each offer; negative: all
	pending bool   // what Pending reports
	onTry   func() // when set, runs inside TryWrite, before it writes
}

func newPooledSink() *pooledMemSink { return &pooledMemSink{memSink: newMemSink(), take: -1} }

func (p *pooledMemSink) TryWrite(b []byte) (int, error) {
	if p.onTry != nil {
		p.onTry()
	}
	p.mu.Lock()
	if p.err != nil {
		defer p.mu.Unlock()
		return 0, p.err
	}
	n := len(b)
	if p.take >= 0 && p.take < n {
		n = p.take
	}
	p.written = append(p.written, b[:n]...)
	p.writes++
	p.mu.Unlock()
	p.wrote <- struct{}{}
	return n, nil
}

func (p *pooledMemSink) Pending() bool { return p.pending }

// closing is one call of Config.OnClosed.
type closing struct {
	s   *Stream
	why CloseReason
}

// testEngine is an engine whose writer pool has no goroutines: the test
// gives the streams in its line their turns (runPool), so every hand-off
// happens at a step the test chose. Its OnClosed calls arrive on closed.
type testEngine struct {
	*Engine
	closed chan closing
}

func newTestEngine(t *testing.T, queueBytes int) *testEngine {
	te := &testEngine{closed: make(chan closing, 100)}
	te.Engine = &Engine{
		cfg: Config{
			QueueBytes:   queueBytes,
			WriteTimeout: time.Second,
			Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
			OnClosed:     func(s *Stream, why CloseReason) { te.closed <- closing{s, why} },
			Match:        selector.Match,
		},
		stop: make(chan struct{}),
	}
	te.reg.init(te.cfg.Match)
	te.writers.cond.L = &te.writers.mu
	return te
}

// open returns a registered stream of client (and topics) on sink,
// replaying.
func (te *testEngine) open(t *testing.T, sink Sink, client string, topics ...string) *Stream {
	t.Helper()
	s := te.NewStream(Identity{Client: client, Topics: topics}, sink, ProtocolHTTP1)
	if !te.Register(s) {
		t.Fatalf("Register(%s) refused a new stream", client)
	}
	return s
}

// live returns a registered live stream of client on a new pooled sink.
func (te *testEngine) live(t *testing.T, client string, topics ...string) (*Stream, *pooledMemSink) {
	t.Helper()
	sink := newPooledSink()
	s := te.open(t, sink, client, topics...)
	if !s.GoLive(te.Head()) {
		t.Fatalf("GoLive refused a fresh stream")
	}
	return s, sink
}

// deliver delivers frame as event seq to client's streams.
func (te *testEngine) deliver(seq uint64, frame string, clients ...string) int {
	return te.Deliver(seq, []byte(frame), &Targets{Clients: clients}, nil)
}

// inLine returns the streams waiting in the pool's line.
func (te *testEngine) inLine() []*Stream {
	p := &te.writers
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*Stream(nil), p.ready[p.head:]...)
}

// runPool gives every stream in the pool's line its turn, as a pool
// goroutine would, until the line is empty, and returns how many turns it
// gave.
func (te *testEngine) runPool() int {
	n := 0
	for len(te.inLine()) > 0 {
		s, _ := te.writers.pop()
		te.writers.flush(s)
		n++
	}
	return n
}

// wantClosed waits for OnClosed to report s closed for why, and fails if it
// reports another stream or reason, or nothing within 5 s.
func (te *testEngine) wantClosed(t *testing.T, s *Stream, why CloseReason) {
	t.Helper()
	select {
	case c := <-te.closed:
		if c.s != s || c.why != why {
			t.Fatalf("OnClosed(%s, %v), want (%s, %v)", c.s.id.Client, c.why, s.id.Client, why)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s was not closed (%v) within 5s", s.id.Client, why)
	}
}

// wantOpen fails if OnClosed has reported a stream closed.
func (te *testEngine) wantOpen(t *testing.T) {
	t.Helper()
	select {
	case c := <-te.closed:
		t.Fatalf("OnClosed(%s, %v): no stream should have closed", c.s.id.Client, c.why)
	default:
	}
}

// await waits for a signal on ch, failing with what after 5 s.
func await(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: nothing within 5s", what)
	}
}

// waitWritten waits until sink holds text, written in that many writes,
// failing after 5 s: for writes on a goroutine of the stream's own.
func waitWritten(t *testing.T, sink *memSink, text string, writes int) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		got, n, _ := sink.state()
		if got == text && n == writes {
			return
		}
		select {
		case <-sink.wrote:
		case <-deadline:
			t.Fatalf("written %q in %d writes after 5s, want %q in %d", got, n, text, writes)
		}
	}
}

// wantWritten checks what sink holds and in how many writes.
func wantWritten(t *testing.T, sink *memSink, text string, writes int) {
	t.Helper()
	if got, n, _ := sink.state(); got != text || n != writes {
		t.Fatalf("written %q in %d writes, want %q in %d", got, n, text, writes)
	}
}
