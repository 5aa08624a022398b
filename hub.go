package ssehub

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssehub/ssehub/sse"
)

// Defaults for the zero values of Config.
const (
	DefaultRetry        = 3 * time.Second
	DefaultHeartbeat    = 15 * time.Second
	DefaultQueueBytes   = 256 << 10
	DefaultWriteTimeout = 10 * time.Second
)

// Config tunes a Hub. The zero value is ready to use.
type Config struct {
	// Log records and orders published messages. Nil means a MemoryLog with
	// the default retention. The Hub does not close it: its owner does,
	// after Shutdown.
	Log Log

	// Retry is the reconnection delay the hub asks clients to use, sent as
	// "retry:" when a stream opens. Zero means DefaultRetry; negative sends none.
	Retry time.Duration

	// Heartbeat is the period of the comment line written to every stream so
	// that proxies keep idle streams open and dead peers are found. Zero
	// means DefaultHeartbeat; negative disables heartbeats.
	Heartbeat time.Duration

	// QueueBytes bounds each connection's queue of events not yet written.
	// A connection whose queue would exceed it is closed (its client resumes
	// from the log). An event is always accepted by an empty queue, however
	// large. Zero means DefaultQueueBytes.
	QueueBytes int

	// WriteTimeout bounds each write to a client; a client that does not
	// take its bytes in time is disconnected. Zero means DefaultWriteTimeout.
	WriteTimeout time.Duration

	// KeepHandler keeps HTTP/1.x streams on net/http's handler goroutine
	// instead of taking the connection over after the headers. Taking over is
	// what makes idle streams cheap; keep the handler when middleware must
	// see the whole response.
	KeepHandler bool

	// Logger receives the hub's rare operational messages. Nil means
	// slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Log == nil {
		c.Log = NewMemoryLog(Retention{})
	}
	if c.Retry == 0 {
		c.Retry = DefaultRetry
	}
	if c.Heartbeat == 0 {
		c.Heartbeat = DefaultHeartbeat
	}
	if c.QueueBytes <= 0 {
		c.QueueBytes = DefaultQueueBytes
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// A Hub holds the open event streams of one process and delivers published
// messages to them. It is an http.Handler serving event streams (see
// ServeHTTP). All its methods are safe for concurrent use.
type Hub struct {
	cfg     Config
	reg     registry
	watch   *closeWatcher
	writers writerPool

	// head is the sequence number of the newest entry delivered. A stream
	// that opens without Last-Event-ID starts after it.
	head atomic.Uint64

	// mu is held shared by every publish in flight and exclusively by
	// Shutdown, so that Shutdown sees every accepted publish delivered.
	mu      sync.RWMutex
	closing bool

	stop chan struct{} // closed by Shutdown: background goroutines end
	bg   sync.WaitGroup

	overflows atomic.Uint64
}

// A Receipt tells a publisher what became of its message.
type Receipt struct {
	ID          string // the event id, as clients see it
	Connections int    // local connections the event was queued for
}

// New returns a running Hub. Call Shutdown to stop it.
func New(cfg Config) *Hub {
	cfg.setDefaults()
	h := &Hub{cfg: cfg, stop: make(chan struct{})}
	h.reg.init()
	h.writers.start()
	h.watch = newCloseWatcher(cfg.Logger)
	h.bg.Go(h.watch.run)
	cfg.Log.Listen(h.deliver)
	// A log reports its head when asked for what follows an id newer than
	// any it issued; deliveries that raced with this only move head forward.
	head, _ := cfg.Log.ReadAfter(context.Background(), math.MaxUint64, func(*Entry) error { return nil })
	h.advanceHead(head)
	if cfg.Heartbeat > 0 {
		h.bg.Go(h.heartbeat)
	}
	return h
}

// Publish validates m, appends it to the log and queues it for every local
// connection it targets. An invalid message returns an error wrapping
// ErrInvalid and publishes nothing; after Shutdown has begun Publish
// returns ErrClosed. A nil error means the event is in the log (durable, if
// the log is) and queued.
func (h *Hub) Publish(ctx context.Context, m Message) (Receipt, error) {
	if err := m.Validate(); err != nil {
		return Receipt{}, err
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.closing {
		return Receipt{}, ErrClosed
	}
	m.inline = true
	e, err := h.cfg.Log.Append(ctx, &m)
	if err != nil {
		return Receipt{}, err
	}
	h.writeInline(e)
	return Receipt{ID: e.ID(), Connections: e.queued}, nil
}

// maxInlineWrites is how many streams a publisher's goroutine writes itself;
// the writer pool takes the others. A message to one client reaches it
// without a hand-over between goroutines: no wake-up to wait for, and no
// place in the pool's line behind busy publishers when the CPU is saturated.
const maxInlineWrites = 4

// writeInline writes the streams deliver left to the publisher, with the
// pool's own non-blocking write.
func (h *Hub) writeInline(e *Entry) {
	for _, c := range e.kicks {
		h.writers.flush(c)
	}
	e.kicks = nil
}

// MaxBatch is the most messages one PublishBatch takes.
const MaxBatch = 1000

// PublishBatch publishes msgs in order. Every message is validated first: if
// one is invalid, nothing is published and the error (matching ErrInvalid)
// names it by its index. With a Log that is a BatchLog (the memory and bolt
// logs are) the messages are appended all or none, in one commit; with any
// other Log they are appended one by one, and a failure of the log part way
// returns the receipts of those already published with the error.
func (h *Hub) PublishBatch(ctx context.Context, msgs []Message) ([]Receipt, error) {
	if len(msgs) > MaxBatch {
		return nil, invalid("batch of %d messages: at most %d", len(msgs), MaxBatch)
	}
	ptrs := make([]*Message, len(msgs))
	for i := range msgs {
		if err := msgs[i].Validate(); err != nil {
			return nil, invalid("message %d: %v", i, err)
		}
		m := msgs[i] // the caller's slice stays as it was
		m.inline = true
		ptrs[i] = &m
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.closing {
		return nil, ErrClosed
	}
	var entries []*Entry
	var err error
	if bl, ok := h.cfg.Log.(BatchLog); ok {
		entries, err = bl.AppendBatch(ctx, ptrs)
	} else {
		for _, m := range ptrs {
			var e *Entry
			if e, err = h.cfg.Log.Append(ctx, m); err != nil {
				break
			}
			entries = append(entries, e)
		}
	}
	receipts := make([]Receipt, len(entries))
	for i, e := range entries {
		h.writeInline(e)
		receipts[i] = Receipt{ID: e.ID(), Connections: e.queued}
	}
	return receipts, err
}

// deliver is the log's listener: it encodes e once and queues the bytes on
// every local connection e targets. Entries arrive in sequence order.
func (h *Hub) deliver(e *Entry) {
	frame := sse.AppendEvent(make([]byte, 0, 32+len(e.Type)+len(e.Data)), e.ID(), e.Type, e.Data)
	// Advance head before fanning out: a stream registered too late for
	// this fan-out then reads a head that already counts e, and starts after it.
	h.advanceHead(e.Seq)
	kick := startWriter
	if e.inline {
		kick = func(c *conn) {
			if _, pooled := c.out.(pooledStream); pooled && len(e.kicks) < maxInlineWrites {
				e.kicks = append(e.kicks, c)
				return
			}
			c.out.kick(c)
		}
	}
	e.queued = h.reg.fanOut(e, item{seq: e.Seq, frame: frame}, kick)
}

func (h *Hub) advanceHead(seq uint64) {
	for {
		cur := h.head.Load()
		if seq <= cur || h.head.CompareAndSwap(cur, seq) {
			return
		}
	}
}

// Connections returns how many streams client has open on this hub.
func (h *Hub) Connections(client string) int { return h.reg.clientConns(client) }

// Clients returns the ids of the clients with at least one open stream.
func (h *Hub) Clients() []string { return h.reg.clients() }

// Stats is a snapshot of a hub's counters.
type Stats struct {
	Connections int    // open streams
	Overflows   uint64 // streams closed because their queue overflowed
	Head        uint64 // sequence number of the newest event delivered
	Closing     bool   // Shutdown has begun
}

// Stats returns the hub's current counters.
func (h *Hub) Stats() Stats {
	return Stats{
		Connections: h.reg.len(),
		Overflows:   h.overflows.Load(),
		Head:        h.head.Load(),
		Closing:     h.isClosing(),
	}
}

// Shutdown stops the hub: new publishes get ErrClosed, new streams are told
// to come back later, what is already queued is written, and every stream is
// ended. If ctx ends first, the remaining streams are closed at once and
// ctx's error is returned. Shutdown does not close the Log.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock() // waits for publishes in flight
	already := h.closing
	h.closing = true
	h.mu.Unlock()
	if already {
		return nil
	}
	close(h.stop)
	for _, c := range h.reg.snapshot() {
		c.finish()
	}
	err := h.waitDrained(ctx)
	if err != nil {
		for _, c := range h.reg.snapshot() {
			c.close()
		}
	}
	h.writers.stop()
	h.watch.stop()
	h.bg.Wait()
	return err
}

func (h *Hub) waitDrained(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for h.reg.len() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

func (h *Hub) isClosing() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.closing
}
