package ssehub

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/ssehub/ssehub/internal/engine"
	"github.com/ssehub/ssehub/sse"
)

// ResetEventType is the type of the event a stream starts with when the
// client's Last-Event-ID cannot be resumed. Its data is JSON,
//
//	{"reason": "expired" | "unknown", "lastEventId": "<the id the client sent>"}
//
// "expired": an event after that id that this stream would have received is
// no longer retained (events for other clients dropped meanwhile do not
// count). "unknown": the id was never issued by this hub's log (newer than
// its newest event, from before a memory log started, or not a number and
// not the EventID of a retained event). A Mercure stream (see
// Subscription.Selectors) never gets one: it resumes with nothing instead.
//
// and its id is the newest event id, so the client's next reconnect resumes
// from there. An application listens for it
// (source.addEventListener("reset", ...)) and reloads its state; the
// EventSource onmessage handler does not see it.
const ResetEventType = "reset"

// newClientID returns a random client id, for streams opened without one.
func newClientID() string { return "anon-" + rand.Text() }

// admitStream lets a valid stream in, counting it, or returns why not: its
// credentials predate a kick of its client, or a limit is reached (here,
// or, with a Cluster, on the other nodes).
func (h *Hub) admitStream(ctx context.Context, sub Subscription, addr string) *refusal {
	if h.kicks.refuses(sub) {
		return authRefusal(errKickedCredentials)
	}
	if no := h.counts.admit(sub.Client, addr); no != nil {
		return no
	}
	if no := h.admitElsewhere(ctx, sub); no != nil {
		h.counts.release(sub.Client, addr)
		return no
	}
	return nil
}

// serveAdmitted opens a stream admitStream let in, catches it up and
// serves it (on the handler path, until it ends).
func (h *Hub) serveAdmitted(w http.ResponseWriter, r *http.Request, sub Subscription, addr string) {
	var from uint64 // a Mercure stream's position, named by its Last-Event-ID header
	if sub.mercure() {
		from = h.engine.Head()
		id, _ := h.idAt(r.Context(), from) // a failed read: the position itself, which resumes as well
		w.Header().Set("Last-Event-ID", id)
	}
	sink, proto, first := h.open(w, r)
	if sub.mercure() {
		proto = engine.ProtocolMercure
	}
	at := attach(&sub)
	defer at.settle()
	id := identityOf(&sub, addr)
	id.Extra = at
	s := h.engine.NewStream(id, sink, proto)
	h.logOpened(s)
	if testHookOpened != nil {
		testHookOpened(s)
	}
	// Registered before the client sees the response header: a publisher
	// reacting to the stream's opening cannot publish before it. Registered
	// before it is watched: a hang-up the watcher reports then always finds
	// it in the registry, and Register refuses a stream already closed.
	if !h.engine.Register(s) {
		return // closed already, sink and all
	}
	h.shareOpened(sub.Client)
	h.engine.Watch(s)
	if why, ok := h.catchUp(r, s, &sub, first, from); !ok {
		s.Close(why)
		return
	}
	if h.gate.isClosing() {
		s.Finish(engine.CloseShutdown) // registered too late for Shutdown's own round of finish
	}
	at.announce()
	s.Serve(r.Context().Done()) // on the handler path: until the stream ends
}

// testHookOpened, when set by a test, is called once a stream is prepared
// and before it is registered.
var testHookOpened func(*engine.Stream)

// hello is what every stream starts with: the reconnection delay. It ends
// without a blank line, which would dispatch nothing but could reset the
// browser's last event id to the empty id of a fresh stream.
func (h *Hub) hello() []byte {
	if h.cfg.Retry < 0 {
		return nil
	}
	return sse.AppendField(nil, "retry", strconv.FormatInt(h.cfg.Retry.Milliseconds(), 10))
}

// open prepares the stream's sink, taking an HTTP/1.x connection over
// from net/http when it can, and returns it and how it is served, with its
// first bytes (the response header, if net/http will not write it, and
// hello), to be written by catchUp.
func (h *Hub) open(w http.ResponseWriter, r *http.Request) (engine.Sink, engine.Protocol, []byte) {
	if r.ProtoMajor == 1 && !h.cfg.KeepHandler {
		sink, header, err := h.engine.TakeOver(w, r)
		if err == nil {
			return sink, engine.ProtocolHTTP1, append(header, h.hello()...)
		}
	}
	proto := engine.ProtocolHTTP2
	if r.ProtoMajor == 1 {
		proto = engine.ProtocolHTTP1Handler
	}
	return h.engine.HandlerSink(w), proto, h.hello()
}

// catchUp brings a registered, replaying stream of sub up to date: its
// first bytes, the events the client missed (or a reset event), then an id
// line naming where it now stands, then live. It reports false, with why
// the stream must end, if the stream failed or was closed. from is a
// Mercure stream's position when it opened (see serveAdmitted).
func (h *Hub) catchUp(r *http.Request, s *engine.Stream, sub *Subscription, first []byte, from uint64) (engine.CloseReason, bool) {
	bp := engine.GetBuffer()
	buf := append(*bp, first...)
	defer func() { *bp = buf; engine.PutBuffer(bp) }()

	last, resume := lastEventID(r)
	at := h.engine.Head()
	var why engine.CloseReason
	var err error
	switch {
	case sub.mercure():
		at, buf, why, err = h.replayMercure(r.Context(), s, sub, last, resume, from, buf)
	case resume:
		at, buf, why, err = h.replay(r.Context(), s, sub, last, buf)
	}
	if err != nil {
		return why, false
	}
	buf = sse.AppendField(buf, "id", formatID(at))
	buf = append(buf, '\n')
	if err := s.Write(buf); err != nil {
		return engine.WriteFailure(err), false
	}
	return engine.CloseClientGone, s.GoLive(at) // if not, s is closed already, for its own reason
}

// replay appends to buf the retained events after the client's last id that
// sub receives, writing buf to s whenever it grows large, and returns the
// head it read up to. An id that cannot be resumed gets a reset event
// instead. If the replay fails, why says why the stream must end.
func (h *Hub) replay(ctx context.Context, s *engine.Stream, sub *Subscription, last string, buf []byte) (head uint64, _ []byte, why engine.CloseReason, err error) {
	after, ok, err := h.resolve(ctx, last)
	switch {
	case err != nil:
		return h.replayFailed(ctx, sub, last, buf, err)
	case !ok:
		head = h.engine.Head()
		return head, h.appendReset(buf, head, resetUnknown, last), 0, nil
	}
	head, buf, why, err = h.replayAfter(ctx, s, sub, after, buf)
	switch {
	case errors.Is(err, ErrUnknownPosition):
		return head, h.appendReset(buf, head, resetUnknown, last), 0, nil
	case errors.Is(err, ErrNotRetained):
		return head, h.appendReset(buf, head, resetExpired, last), 0, nil
	}
	return head, buf, why, err
}

// resolve returns the sequence number the client's last event id names:
// the entry with that EventID if the Log is an EventIDLog that has one,
// else the number it is in decimal; ok is false when it names none.
func (h *Hub) resolve(ctx context.Context, last string) (seq uint64, ok bool, err error) {
	if l, is := h.cfg.Log.(EventIDLog); is {
		if seq, found, err := l.SeqOf(ctx, last); err != nil || found {
			return seq, found, err
		}
	}
	seq, ok = parseID(last)
	return seq, ok, nil
}

// replayAfter appends to buf the retained events after `after` that sub
// receives, writing buf to s whenever it grows large, and returns the head
// it read up to. ReadAfter's ErrUnknownPosition and ErrNotRetained are
// returned as they are, with why zero, for the caller to answer; on any
// other error, why says why the stream must end.
func (h *Hub) replayAfter(ctx context.Context, s *engine.Stream, sub *Subscription, after uint64, buf []byte) (head uint64, _ []byte, why engine.CloseReason, err error) {
	// One variable for what the callback changes: one allocation.
	rp := struct {
		buf   []byte
		n     uint64 // events replayed
		wrErr error  // the stream's write failed
	}{buf: buf}
	head, err = h.cfg.Log.ReadAfter(ctx, after, sub, func(e *Entry) error {
		rp.buf = appendFrame(rp.buf, e.ID(), &e.Message)
		rp.n++
		if len(rp.buf) < replayChunk {
			return nil
		}
		rp.wrErr = s.Write(rp.buf)
		rp.buf = rp.buf[:0]
		return rp.wrErr
	})
	h.tally.replayed.Add(rp.n)
	switch {
	case errors.Is(err, ErrUnknownPosition) || errors.Is(err, ErrNotRetained):
		return head, rp.buf, 0, err
	case rp.wrErr != nil:
		return head, rp.buf, engine.WriteFailure(rp.wrErr), err
	case err != nil:
		_, rp.buf, why, err = h.replayFailed(ctx, sub, formatID(after), rp.buf, err)
		return head, rp.buf, why, err
	}
	return head, rp.buf, 0, nil
}

// replayFailed returns why a stream whose replay failed with err ends: its
// client left, or the log failed (logged).
func (h *Hub) replayFailed(ctx context.Context, sub *Subscription, last string, buf []byte, err error) (uint64, []byte, engine.CloseReason, error) {
	if ctx.Err() != nil {
		return 0, buf, engine.CloseClientGone, err
	}
	h.cfg.Logger.Warn("ssehub: replay failed", "client", sub.Client, "after", last, "err", err)
	return 0, buf, engine.CloseReplayFailed, err
}

// replayChunk is how much replayed history is gathered per write.
const replayChunk = 32 << 10

// appendReset appends the reset event, and counts it: the client must
// reload its state, and resumes from head.
func (h *Hub) appendReset(buf []byte, head uint64, why resetReason, last string) []byte {
	h.tally.resets[why].Add(1)
	data, _ := json.Marshal(struct {
		Reason      string `json:"reason"`
		LastEventID string `json:"lastEventId"`
	}{why.String(), last})
	return sse.AppendEvent(buf, formatID(head), ResetEventType, data)
}

// lastEventID returns the id a reconnecting client last saw: the
// Last-Event-ID header browsers send, or the lastEventId query parameter.
func lastEventID(r *http.Request) (string, bool) {
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		return id, true
	}
	if id := r.URL.Query().Get("lastEventId"); id != "" {
		return id, true
	}
	return "", false
}

// The debug lines of a stream's life: one when it opens, one when it ends,
// with what an operator needs to follow a client (its id, how it is
// served, why and after how long it ended) and nothing of its credentials:
// no token, no query string, no header. With debug off they cost a level
// check, and no attribute is built.

func (h *Hub) logOpened(s *engine.Stream) {
	l := h.cfg.Logger
	if !l.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	id := s.Identity()
	l.LogAttrs(context.Background(), slog.LevelDebug, "ssehub: stream opened",
		slog.String("client", id.Client),
		slog.String("protocol", s.Protocol().String()),
		slog.Int("topics", len(id.Topics)),
		slog.String("addr", id.Addr))
}

func (h *Hub) logClosed(s *engine.Stream, why engine.CloseReason) {
	l := h.cfg.Logger
	if !l.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	l.LogAttrs(context.Background(), slog.LevelDebug, "ssehub: stream closed",
		slog.String("client", s.Identity().Client),
		slog.String("protocol", s.Protocol().String()),
		slog.String("reason", why.String()),
		slog.Duration("duration", time.Since(time.Unix(0, s.Born()))))
}
