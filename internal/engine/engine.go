package engine

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssehub/ssehub/internal/socket"
)

// Config is what an Engine needs: QueueBytes, WriteTimeout and Logger must
// be set.
type Config struct {
	// QueueBytes bounds each stream's queue: a stream whose queue would
	// exceed it is closed (CloseOverflow). An empty queue takes any event.
	QueueBytes int
	// WriteTimeout bounds each write to a client.
	WriteTimeout time.Duration
	// Heartbeat is the period of the comment line written to idle streams;
	// zero or negative: none.
	Heartbeat time.Duration
	// Logger receives the socket watcher's rare messages.
	Logger *slog.Logger

	// OnClosed, when set, hears that s closed and why (the first reason
	// decided), once per stream: after s was counted and taken out of the
	// registry, before its sink is closed. It runs on whatever goroutine
	// closed s and must not block for long.
	OnClosed func(s *Stream, why CloseReason)
	// OnSweep, when set, is called once a sweep (see expirySweep), after
	// the streams whose Identity.Expires passed were asked to finish.
	OnSweep func(now time.Time)

	// Match reports whether a selector of a stream (Identity.Templates,
	// Identity.Private) matches an event's topic. It is called during
	// fan-out, once per published topic and distinct template of the
	// registered streams, and for private events once per stream reached:
	// it must be fast (cache) and must not call the engine. Nil means
	// equality.
	Match func(selector, topic string) bool
}

// An Engine delivers events to the streams registered with it. The hub
// tells it what to do (register a stream, deliver an event, finish or close
// streams) and hears back through Config.OnClosed. All its methods are safe
// for concurrent use.
type Engine struct {
	cfg     Config
	reg     registry
	watch   *socket.Watcher // hang-ups of taken-over sockets
	writers writerPool

	// head is the newest sequence number whose delivery has begun (or was
	// skipped): a stream that opens without a position starts after it.
	// delivered is the newest whose fan-out has ended: every stream has
	// queued what it gets up to there, so it is a safe position to tell a
	// quiet stream (see heartbeat).
	head      atomic.Uint64
	delivered atomic.Uint64

	stop chan struct{} // closed by Shutdown: background goroutines end
	bg   sync.WaitGroup

	tally counters
}

// New returns a running Engine at position 0 (see Advance). Call Shutdown
// to stop it.
func New(cfg Config) *Engine {
	if cfg.Match == nil {
		cfg.Match = func(selector, topic string) bool { return selector == topic }
	}
	e := &Engine{cfg: cfg, stop: make(chan struct{})}
	e.reg.init(cfg.Match)
	e.writers.start()
	e.watch = socket.NewWatcher(cfg.Logger)
	e.bg.Go(e.watch.Run)
	if cfg.Heartbeat > 0 {
		e.bg.Go(e.heartbeat)
	}
	e.bg.Go(e.expire)
	return e
}

// NewStream returns a stream of id on sink, replaying: live events are
// queued for it but not written until GoLive. It is counted as opened, and
// is not registered yet (see Register).
func (e *Engine) NewStream(id Identity, sink Sink, proto Protocol) *Stream {
	s := &Stream{e: e, id: id, sink: sink, slot: -1, born: time.Now().UnixNano(), proto: proto}
	if _, pooled := sink.(PooledSink); !pooled {
		s.loop = &handlerLoop{wake: make(chan struct{}, 1), done: make(chan struct{})}
	}
	e.tally.streamOpened(proto)
	return s
}

// Register puts s where deliveries find it, and reports false if s was
// closed already (a hang-up noticed first): a closed stream is never
// registered.
func (e *Engine) Register(s *Stream) bool { return e.reg.add(s) }

// Deliver queues frame, the encoded event seq (0: an ephemeral event, out
// of the sequence), on every registered stream t names, and returns how many
// took it; pub, when not nil, is the publisher's share (see Publication).
// Events of the sequence must come in order, one at a time: head moves to
// seq before the fan-out, so a stream registered too late for it reads a
// head that counts it and starts after it.
func (e *Engine) Deliver(seq uint64, frame []byte, t *Targets, pub *Publication) int {
	if seq != 0 {
		advance(&e.head, seq)
	}
	n := e.reg.fanOut(t, item{seq: seq, frame: frame}, pub)
	pub.queued(n)
	e.tally.delivered(n)
	if seq != 0 {
		advance(&e.delivered, seq)
	}
	return n
}

// Head returns the newest sequence number whose delivery has begun, or
// was skipped.
func (e *Engine) Head() uint64 { return e.head.Load() }

// Advance moves the engine's position forward to through (never back):
// events up to there will not be delivered (a skip), or were before it
// started.
func (e *Engine) Advance(through uint64) {
	advance(&e.head, through)
	advance(&e.delivered, through)
}

// advance moves v forward to seq; it never moves back.
func advance(v *atomic.Uint64, seq uint64) {
	for {
		cur := v.Load()
		if seq <= cur || v.CompareAndSwap(cur, seq) {
			return
		}
	}
}

// FinishAll asks every registered stream to write what it has queued and
// then close, for why, and returns how many there were.
func (e *Engine) FinishAll(why CloseReason) int {
	streams := e.reg.snapshot()
	for _, s := range streams {
		s.Finish(why)
	}
	return len(streams)
}

// Shutdown stops the engine: background work ends, every stream finishes
// (writes what it had queued, then closes), and once ctx ends the rest are
// closed at once, with ctx's error returned. Then the writers and the
// socket watcher stop.
func (e *Engine) Shutdown(ctx context.Context) error {
	close(e.stop)
	e.FinishAll(CloseShutdown)
	err := e.waitDrained(ctx)
	if err != nil {
		for _, s := range e.reg.snapshot() {
			s.Close(CloseShutdown)
		}
	}
	e.writers.stop()
	e.watch.Stop()
	e.bg.Wait()
	return err
}

// waitDrained waits until no stream is registered, or ctx ends.
func (e *Engine) waitDrained(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for e.Registered() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}
