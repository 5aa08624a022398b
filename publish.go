package ssehub

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/ssehub/ssehub/internal/engine"
)

// Publish validates m, appends it to the log and queues it for every local
// connection it targets. An invalid message returns an error wrapping
// ErrInvalid and publishes nothing; after Shutdown has begun Publish
// returns ErrClosed. A nil error means the event is in the log (durable, if
// the log is) and queued. An ephemeral message (see Message.Ephemeral) is
// only queued.
func (h *Hub) Publish(ctx context.Context, m Message) (Receipt, error) {
	if err := h.cfg.Limits.checkMessage(&m); err != nil {
		return Receipt{}, err
	}
	if !h.gate.enter() {
		return Receipt{}, ErrClosed
	}
	defer h.gate.leave()
	if m.Ephemeral {
		w := h.tally.stopwatch()
		r := h.publishEphemeral(&m)
		h.tally.publishedOne(&m)
		w.publishDone(true)
		return r, nil
	}
	e, n, err := h.record(ctx, h.pending.add(m))
	if err != nil {
		return Receipt{}, err
	}
	h.tally.publishedOne(&m)
	return Receipt{ID: e.ID(), Streams: n}, nil
}

// record appends p's message to the log and finishes its fan-out, timing
// the append, and the publish from the same moment to the end of the
// publisher's own writes to streams.
func (h *Hub) record(ctx context.Context, p *publication) (*Entry, int, error) {
	w := h.tally.stopwatch()
	e, err := h.cfg.Log.Append(ctx, &p.msg, p.ticket)
	w.appendDone(err)
	n, wrote := h.finishPublication(p)
	w.publishDone(wrote)
	return e, n, err
}

// PublishBatch publishes msgs in order. Every message is validated first: if
// one is invalid, nothing is published and the error (matching ErrInvalid)
// names it by its index. With a Log that is a BatchLog (the memory and bolt
// logs are) the messages are appended all or none, in one commit; with any
// other Log they are appended one by one, and a failure of the log part way
// returns the receipts of those already published with the error.
// Ephemeral messages in a batch are queued once the others are recorded,
// and have their receipts in their places.
func (h *Hub) PublishBatch(ctx context.Context, msgs []Message) ([]Receipt, error) {
	if err := h.cfg.Limits.checkBatch(msgs); err != nil {
		return nil, err
	}
	if !h.gate.enter() {
		return nil, ErrClosed
	}
	defer h.gate.leave()
	w := h.tally.stopwatch()
	defer w.publishDone(true)
	var pubs []*publication
	var recorded []*Message
	var tickets []Ticket
	for _, m := range msgs {
		if !m.Ephemeral {
			p := h.pending.add(m) // a copy: the caller's slice stays as it was
			pubs, recorded, tickets = append(pubs, p), append(recorded, &p.msg), append(tickets, p.ticket)
		}
	}
	entries, err := h.appendAll(ctx, recorded, tickets)
	counts := make([]int, len(pubs))
	for i, p := range pubs {
		counts[i], _ = h.finishPublication(p)
	}
	receipts := make([]Receipt, 0, len(msgs))
	next := 0 // the next recorded message's entry
	for i := range msgs {
		switch {
		case msgs[i].Ephemeral && err == nil:
			receipts = append(receipts, h.publishEphemeral(&msgs[i]))
			h.tally.publishedOne(&msgs[i])
		case msgs[i].Ephemeral:
		case next < len(entries):
			receipts = append(receipts, Receipt{ID: entries[next].ID(), Streams: counts[next]})
			h.tally.publishedOne(&msgs[i])
			next++
		default:
			return receipts, err
		}
	}
	return receipts, err
}

// appendAll appends msgs, with their tickets, in one batch when the log
// can, one by one if not.
func (h *Hub) appendAll(ctx context.Context, msgs []*Message, tickets []Ticket) ([]*Entry, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	if bl, ok := h.cfg.Log.(BatchLog); ok {
		w := h.tally.stopwatch()
		entries, err := bl.AppendBatch(ctx, msgs, tickets)
		w.appendDone(err)
		return entries, err
	}
	var entries []*Entry
	for i, m := range msgs {
		w := h.tally.stopwatch()
		e, err := h.cfg.Log.Append(ctx, m, tickets[i])
		w.appendDone(err)
		if err != nil {
			return entries, err
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// publishEphemeral queues m, outside the sequence of the log, on the
// streams open now.
func (h *Hub) publishEphemeral(m *Message) Receipt {
	frame := appendFrame(make([]byte, 0, 16+len(m.Type)+len(m.Data)), "", m)
	p := new(engine.Publication)
	h.engine.Deliver(0, frame, targetsOf(m), p)
	n, _ := h.engine.FinishPublication(p)
	return Receipt{Streams: n}
}

// A publication is one message the hub appends, with the ticket it hands
// to Append, and the message's share of its fan-out (see
// engine.Publication).
type publication struct {
	msg    Message // what the hub passes to Append: a copy, so the caller's value stays as it was
	ticket Ticket  // handed to Append with msg; Deliver hands it back
	fan    engine.Publication
}

// share returns p's share of the fan-out, or nil for no publication (an
// entry published elsewhere, an unknown ticket): every writer then comes
// from the pool.
func (p *publication) share() *engine.Publication {
	if p == nil {
		return nil
	}
	return &p.fan
}

// publications finds, for the Log's listener, the publication of an entry
// by the Ticket the hub handed to Append with its message: the Log hands the
// listener that ticket back (Listener.Deliver), whatever entry value it made.
type publications struct {
	next atomic.Uint64 // the last ticket issued; the first is 1 (0 is no ticket)
	mu   sync.Mutex
	m    map[Ticket]*publication
}

func (ps *publications) init() { ps.m = make(map[Ticket]*publication) }

// add registers a publication of a copy of m, to be appended as p.msg with
// p.ticket.
func (ps *publications) add(m Message) *publication {
	p := &publication{msg: m, ticket: Ticket(ps.next.Add(1))}
	ps.mu.Lock()
	ps.m[p.ticket] = p
	ps.mu.Unlock()
	return p
}

// lookup returns the publication of ticket, or nil for an entry recorded
// elsewhere (ticket zero) or one whose publisher has finished.
func (ps *publications) lookup(ticket Ticket) *publication {
	if ticket == 0 {
		return nil
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.m[ticket]
}

// finishPublication unregisters p once its Append returned, writes what
// was left to the publisher, and returns how many streams the message was
// queued for and whether the publisher wrote to any.
func (h *Hub) finishPublication(p *publication) (n int, wrote bool) {
	h.pending.mu.Lock()
	delete(h.pending.m, p.ticket)
	h.pending.mu.Unlock()
	return h.engine.FinishPublication(&p.fan)
}

// admission lets publishes in until Shutdown begins and counts those in
// flight, so that Shutdown can wait for them within its deadline: a publish
// stuck in the Log (a hung fsync, a partitioned store) must not hold
// Shutdown past it. The zero value admits.
type admission struct {
	mu       sync.Mutex
	closing  bool
	inflight int
	idle     chan struct{} // made by close; closed once nothing is in flight
}

// enter admits one publish, or reports false once closing.
func (a *admission) enter() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closing {
		return false
	}
	a.inflight++
	return true
}

// leave ends a publish that enter admitted.
func (a *admission) leave() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inflight--
	if a.closing && a.inflight == 0 {
		close(a.idle)
	}
}

// close stops admitting and returns a channel closed once no publish is in
// flight; first is false if close was called before.
func (a *admission) close() (idle <-chan struct{}, first bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closing {
		return a.idle, false
	}
	a.closing = true
	a.idle = make(chan struct{})
	if a.inflight == 0 {
		close(a.idle)
	}
	return a.idle, true
}

func (a *admission) isClosing() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closing
}
