package ssehub

import (
	"context"
	"log/slog"
	"math"
	"time"

	"github.com/ssehub/ssehub/internal/engine"
	"github.com/ssehub/ssehub/selector"
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
	engine  *engine.Engine // the open streams, their queues and writers
	pending publications   // Publish calls waiting for their entries' fan-out
	gate    admission      // publishes in flight, and whether Shutdown has begun
	kicks   kicks          // recent Kicks, by client id
	counts  streamCounts   // open streams, by client id and address, within cfg.Limits

	tally counters // what Metrics and Stats report, besides the engine's own counts
}

// A Receipt tells a publisher what became of its message.
type Receipt struct {
	ID       string // the event id, as clients see it ("" for an ephemeral event)
	Streams  int    // streams on this node the event was queued for
	Repeated bool   // PublishOnce: published by an earlier call with the same key; nothing new
}

// New returns a running Hub. Call Shutdown to stop it.
func New(cfg Config) *Hub {
	cfg.setDefaults()
	h := &Hub{cfg: cfg}
	h.pending.init()
	h.kicks.init(cfg.KickMemory, cfg.KickLimit, cfg.Logger)
	h.counts.init(cfg.Limits)
	h.engine = engine.New(engine.Config{
		QueueBytes:   cfg.QueueBytes,
		WriteTimeout: cfg.WriteTimeout,
		Heartbeat:    cfg.Heartbeat,
		Logger:       cfg.Logger,
		OnClosed:     h.streamClosed,
		OnSweep:      h.kicks.sweep,
		Match:        selector.Match,
	})
	cfg.Log.Listen(listener{h})
	if cfg.Cluster != nil {
		cfg.Cluster.Join(localNode{h})
	}
	// A log reports its head when asked for what follows an id newer than
	// any it issued; deliveries that raced with this only move head forward.
	head, _ := cfg.Log.ReadAfter(context.Background(), math.MaxUint64, nil, func(*Entry) error { return nil })
	h.engine.Advance(head)
	return h
}

// streamClosed is what the hub does when the engine closes a stream: the
// stream no longer counts against the limits, the cluster hears of it, and
// the debug line is written.
func (h *Hub) streamClosed(s *engine.Stream, why engine.CloseReason) {
	id := s.Identity()
	h.counts.release(id.Client, id.Addr)
	h.shareClosed(id.Client)
	h.logClosed(s, why)
}

// listener is the hub as its Log's Listener.
type listener struct{ h *Hub }

// Deliver encodes e once and queues the bytes on every local stream e
// targets. Entries arrive in sequence order, one at a time.
func (l listener) Deliver(e *Entry, ticket Ticket) {
	h := l.h
	frame := appendFrame(make([]byte, 0, 32+len(e.EventID)+len(e.Type)+len(e.Data)), e.ID(), &e.Message)
	h.engine.Deliver(e.Seq, frame, targetsOf(&e.Message), h.pending.lookup(ticket).share())
}

// appendFrame appends m's event with id in text/event-stream form: its
// retry field if it has one, then the event. Live delivery and replay
// write the same bytes.
func appendFrame(buf []byte, id string, m *Message) []byte {
	if m.Retry > 0 {
		buf = sse.AppendRetry(buf, m.Retry)
	}
	return sse.AppendEvent(buf, id, m.Type, m.Data)
}

// targetsOf returns whom m is for, as the engine names it.
func targetsOf(m *Message) *engine.Targets {
	return &engine.Targets{Broadcast: m.Broadcast, Clients: m.Clients, Topics: m.Topics, Private: m.Private}
}

// Skip ends every stream: any of them may have missed an entry up to
// through. Their clients reconnect and resume from the log, exactly, or get
// a reset event when the log no longer has what they need. Streams that
// open from now on start after through.
func (l listener) Skip(through uint64) {
	h := l.h
	h.engine.Advance(through)
	h.tally.skips.Add(1)
	n := h.engine.FinishAll(engine.CloseLogSkip)
	h.cfg.Logger.Warn("ssehub: the log lost continuity; ending every stream so that clients resume from the log",
		"through", through, "streams", n)
}

// Clients returns the ids of the clients with at least one open stream on
// this node.
func (h *Hub) Clients() []string { return h.engine.Clients() }

// Stats is a summary of a hub's state and counters; Metrics has them all.
type Stats struct {
	Streams      int    // open streams
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
		Streams:      h.engine.Registered(),
		Overflows:    h.engine.Closed(engine.CloseOverflow),
		Skips:        t.skips.Load(),
		Expiries:     h.engine.Closed(engine.CloseExpired),
		Refusals:     t.refused[refusedHubFull].Load() + t.refused[refusedClientLimit].Load() + t.refused[refusedAddressLimit].Load(),
		Head:         h.engine.Head(),
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
	// With ctx already over, the engine closes every stream at once.
	if drained := h.engine.Shutdown(ctx); err == nil {
		err = drained
	}
	return err
}
