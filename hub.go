package ssehub

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssehub/ssehub/internal/socket"
	"github.com/ssehub/ssehub/sse"
)

// Defaults for the zero values of Config.
const (
	DefaultRetry        = 3 * time.Second
	DefaultHeartbeat    = 15 * time.Second
	DefaultQueueBytes   = 256 << 10
	DefaultWriteTimeout = 10 * time.Second
	DefaultKickMemory   = 24 * time.Hour
	DefaultKickLimit    = 100_000
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

	// Authorizer, when set, decides which streams ServeHTTP opens and for
	// whom (see Authorizer). Nil means anyone may open a stream for any
	// client id.
	Authorizer Authorizer

	// Limits bounds the streams the hub serves (see Limits). The zero value
	// sets none.
	Limits Limits

	// Cluster, when set, makes this hub one node of several sharing Log
	// (see Cluster): presence, the per-client stream limit and kicks span
	// them all. Nil means this hub is on its own.
	Cluster Cluster

	// KickMemory is how long the hub remembers a Kick, refusing meanwhile
	// the streams of that client whose Subscription.Issued is older than
	// the kick. Make it at least the lifetime of the longest credentials
	// you issue. Zero means DefaultKickMemory.
	KickMemory time.Duration

	// KickLimit bounds how many kicks the hub remembers (one per client
	// id, about 150 bytes each; with a Cluster, in its store too). When
	// that many are, a new kick makes it forget the oldest first, before
	// KickMemory ends: that client may then come back with the credentials
	// it had, so size the limit for the kicks you make within KickMemory
	// (a warning is logged at most once a minute while kicks are forgotten
	// early, and Stats counts them). Zero means DefaultKickLimit with an
	// Authorizer, and no kick remembered without one: streams then have no
	// Subscription.Issued to check, unless your own authentication calls
	// ServeStream with it (set KickLimit then). Negative means no kick is
	// remembered: Kick only ends streams.
	KickLimit int

	// QueryParams names the query parameters of a stream's URL that the
	// application uses itself (a cache-buster, its own Authorizer's),
	// besides those ServeHTTP reads: id, topic, lastEventId and token.
	// ServeHTTP refuses a stream whose query has any other with 400, naming
	// it (and the parameter probably meant): a misspelt parameter, topics
	// for topic, would otherwise open a stream that silently receives less
	// than the client asked for. ServeStream checks no query.
	QueryParams []string
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
	if c.KickMemory <= 0 {
		c.KickMemory = DefaultKickMemory
	}
	switch {
	case c.KickLimit == 0 && c.Authorizer != nil:
		c.KickLimit = DefaultKickLimit
	case c.KickLimit < 0:
		c.KickLimit = 0 // none remembered
	}
}

// A Hub holds the open event streams of one process and delivers published
// messages to them. It is an http.Handler serving event streams (see
// ServeHTTP). All its methods are safe for concurrent use.
type Hub struct {
	cfg     Config
	reg     registry
	watch   *socket.Watcher // hang-ups of taken-over streams
	writers writerPool
	pending publications // Publish calls waiting for their entries' fan-out
	gate    admission    // publishes in flight, and whether Shutdown has begun
	kicks   kicks        // recent Kicks, by client id
	counts  streamCounts // open streams, by client id and address, within cfg.Limits

	// head is the newest sequence number whose delivery has begun (or was
	// skipped): a stream that opens without Last-Event-ID starts after it.
	// delivered is the newest whose fan-out has ended: every stream has
	// queued what it gets up to there, so it is a safe position to tell a
	// quiet stream (see heartbeat).
	head      atomic.Uint64
	delivered atomic.Uint64

	stop chan struct{} // closed by Shutdown: background goroutines end
	bg   sync.WaitGroup

	tally counters // what Metrics and Stats report
}

// A Receipt tells a publisher what became of its message.
type Receipt struct {
	ID          string // the event id, as clients see it ("" for an ephemeral event)
	Connections int    // local connections the event was queued for
	Repeated    bool   // PublishOnce: published by an earlier call with the same key; nothing new
}

// New returns a running Hub. Call Shutdown to stop it.
func New(cfg Config) *Hub {
	cfg.setDefaults()
	h := &Hub{cfg: cfg, stop: make(chan struct{})}
	h.reg.init()
	h.pending.init(h)
	h.kicks.init(cfg.KickMemory, cfg.KickLimit, cfg.Logger)
	h.counts.init(cfg.Limits)
	h.writers.start()
	h.watch = socket.NewWatcher(cfg.Logger)
	h.bg.Go(h.watch.Run)
	cfg.Log.Listen(listener{h})
	if cfg.Cluster != nil {
		cfg.Cluster.Join(localNode{h})
	}
	// A log reports its head when asked for what follows an id newer than
	// any it issued; deliveries that raced with this only move head forward.
	head, _ := cfg.Log.ReadAfter(context.Background(), math.MaxUint64, nil, func(*Entry) error { return nil })
	advance(&h.head, head)
	advance(&h.delivered, head)
	if cfg.Heartbeat > 0 {
		h.bg.Go(h.heartbeat)
	}
	h.bg.Go(h.expire)
	return h
}

// listener is the hub as its Log's Listener.
type listener struct{ h *Hub }

// Deliver encodes e once and queues the bytes on every local connection e
// targets. Entries arrive in sequence order, one at a time.
func (l listener) Deliver(e *Entry, ticket Ticket) {
	h := l.h
	frame := sse.AppendEvent(make([]byte, 0, 32+len(e.Type)+len(e.Data)), e.ID(), e.Type, e.Data)
	// Advance head before fanning out: a stream registered too late for
	// this fan-out then reads a head that already counts e, and starts after it.
	advance(&h.head, e.Seq)
	pub := h.pending.lookup(ticket)
	n := h.reg.fanOut(&e.Message, item{seq: e.Seq, frame: frame}, pub)
	pub.queued(n)
	h.tally.delivered(n)
	advance(&h.delivered, e.Seq)
}

// Skip ends every stream: any of them may have missed an entry up to
// through. Their clients reconnect and resume from the log, exactly, or get
// a reset event when the log no longer has what they need. Streams that
// open from now on start after through.
func (l listener) Skip(through uint64) {
	h := l.h
	advance(&h.head, through)
	advance(&h.delivered, through)
	h.tally.skips.Add(1)
	conns := h.reg.snapshot()
	h.cfg.Logger.Warn("ssehub: the log lost continuity; ending every stream so that clients resume from the log",
		"through", through, "streams", len(conns))
	for _, c := range conns {
		c.finish(CloseLogSkip)
	}
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

// Clients returns the ids of the clients with at least one open stream on
// this node.
func (h *Hub) Clients() []string { return h.reg.clients() }

// Stats is a summary of a hub's state and counters; Metrics has them all.
type Stats struct {
	Connections  int    // open streams
	Overflows    uint64 // streams closed because their queue overflowed
	Skips        uint64 // times the log lost continuity and every stream was ended
	Expiries     uint64 // streams ended because their Subscription expired
	Refusals     uint64 // streams refused by a limit (MaxStreams, per client, per address)
	Kicks        int    // kicks remembered now (see Config.KickLimit)
	KicksEvicted uint64 // kicks forgotten before KickMemory to stay within Config.KickLimit
	Head         uint64 // sequence number of the newest event delivered
	Closing      bool   // Shutdown has begun
}

// Stats returns the hub's current state and counters.
func (h *Hub) Stats() Stats {
	t := &h.tally
	kicks, evicted := h.kicks.stats()
	return Stats{
		Kicks:        kicks,
		KicksEvicted: evicted,
		Connections:  h.reg.len(),
		Overflows:    t.closed[CloseOverflow].Load(),
		Skips:        t.skips.Load(),
		Expiries:     t.closed[CloseExpired].Load(),
		Refusals:     t.refused[RefusedHubFull].Load() + t.refused[RefusedClientLimit].Load() + t.refused[RefusedAddressLimit].Load(),
		Head:         h.head.Load(),
		Closing:      h.gate.isClosing(),
	}
}

// Shutdown stops the hub: new publishes get ErrClosed, new streams are told
// to come back later, the publishes in flight are waited for, what is
// already queued is written, and every stream is ended. If ctx ends first,
// the remaining streams are closed at once and ctx's error is returned,
// even if a publish is stuck in the Log. Shutdown does not close the Log.
func (h *Hub) Shutdown(ctx context.Context) error {
	idle, first := h.gate.close()
	if !first {
		return nil
	}
	var err error
	select {
	case <-idle:
	case <-ctx.Done():
		err = ctx.Err()
	}
	close(h.stop)
	for _, c := range h.reg.snapshot() {
		c.finish(CloseShutdown)
	}
	if err == nil {
		err = h.waitDrained(ctx)
	}
	if err != nil {
		for _, c := range h.reg.snapshot() {
			c.close(CloseShutdown)
		}
	}
	h.writers.stop()
	h.watch.Stop()
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
