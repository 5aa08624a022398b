package ssehub

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/ssehub/ssehub/sse"
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
	return Receipt{ID: e.ID(), Connections: n}, nil
}

// record appends p's message to the log and finishes its fan-out, timing
// the append, and the publish from the same moment to the end of the
// publisher's own writes to streams.
func (h *Hub) record(ctx context.Context, p *publication) (*Entry, int, error) {
	w := h.tally.stopwatch()
	e, err := h.cfg.Log.Append(ctx, &p.msg, p.ticket)
	w.appendDone(err)
	n, wrote := h.pending.finish(p)
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
		counts[i], _ = h.pending.finish(p)
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
			receipts = append(receipts, Receipt{ID: entries[next].ID(), Connections: counts[next]})
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
// connections open now.
func (h *Hub) publishEphemeral(m *Message) Receipt {
	frame := sse.AppendEvent(make([]byte, 0, 16+len(m.Type)+len(m.Data)), "", m.Type, m.Data)
	p := &publication{hub: h}
	n := h.reg.fanOut(m, item{frame: frame}, p)
	p.queued(n)
	h.tally.delivered(n)
	n, _ = p.finish()
	return Receipt{Connections: n}
}

// publications finds, for the Log's listener, the publication of an entry
// by the Ticket the hub handed to Append with its message: the Log hands the
// listener that ticket back (Listener.Deliver), whatever entry value it made.
type publications struct {
	hub  *Hub
	next atomic.Uint64 // the last ticket issued; the first is 1 (0 is no ticket)
	mu   sync.Mutex
	m    map[Ticket]*publication
}

func (ps *publications) init(h *Hub) {
	ps.hub = h
	ps.m = make(map[Ticket]*publication)
}

// add registers a publication of a copy of m, to be appended as p.msg with
// p.ticket.
func (ps *publications) add(m Message) *publication {
	p := &publication{hub: ps.hub, msg: m, ticket: Ticket(ps.next.Add(1))}
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

// finish unregisters p once its Append returned, writes what was left to
// the publisher, and returns how many streams the message was queued for
// and whether the publisher wrote to any.
func (ps *publications) finish(p *publication) (n int, wrote bool) {
	ps.mu.Lock()
	delete(ps.m, p.ticket)
	ps.mu.Unlock()
	return p.finish()
}
