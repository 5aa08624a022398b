package ssehub

import (
	"context"
	"errors"
	"slices"

	"github.com/ssehub/ssehub/internal/engine"
	"github.com/ssehub/ssehub/selector"
)

// This file is how the hub serves a Mercure subscription: a stream whose
// Subscription has Selectors. Who receives what is Subscription.Receives;
// what differs here is how such a stream opens and resumes, as the Mercure
// hub does it.

// Earliest is the Last-Event-ID with which a Mercure subscriber asks for
// all the retained history. A Mercure stream opened on an empty log is
// told it as its Last-Event-ID: what follows is everything. No event may
// have it as its EventID.
const Earliest = "earliest"

// mercure reports whether s is served as a Mercure subscription.
func (s *Subscription) mercure() bool { return len(s.Selectors) > 0 }

// identityOf returns what the engine needs of a stream of sub from addr:
// its exact topics (Topics, and the exact Selectors) are indexed as topics,
// its other selectors as templates.
func identityOf(sub *Subscription, addr string) engine.Identity {
	id := engine.Identity{Client: sub.Client, Topics: sub.Topics, Expires: sub.Expires, Addr: addr,
		TopicsOnly: sub.mercure(), Private: sub.Private}
	if !sub.mercure() {
		return id
	}
	id.Topics = slices.Clone(sub.Topics)
	for _, sel := range sub.Selectors {
		if selector.KindOf(sel) == selector.Exact {
			id.Topics = append(id.Topics, sel)
		} else {
			id.Templates = append(id.Templates, sel)
		}
	}
	slices.Sort(id.Topics)
	id.Topics = slices.Compact(id.Topics)
	slices.Sort(id.Templates)
	id.Templates = slices.Compact(id.Templates)
	return id
}

// idAt returns the id clients see for the entry numbered seq: its EventID
// if it has one and is retained, else seq in decimal (which resumes just
// as well), and Earliest when the log has no entry at all (its head is
// where its numbering began). err is the log's failure to answer; the id
// returned with it is seq in decimal.
func (h *Hub) idAt(ctx context.Context, seq uint64) (string, error) {
	if seq == 0 {
		return Earliest, nil
	}
	id := ""
	_, err := h.cfg.Log.ReadAfter(ctx, seq-1, nil, func(e *Entry) error {
		if e.Seq == seq {
			id = e.ID()
		}
		return errStop
	})
	switch {
	case id != "":
		return id, nil
	case errors.Is(err, ErrUnknownPosition):
		return Earliest, nil // seq-1 was never issued: seq is where the log began
	case err == nil || errors.Is(err, errStop) || errors.Is(err, ErrNotRetained):
		return formatID(seq), nil
	}
	return formatID(seq), err
}

// errStop ends a read that found what it looked for.
var errStop = errors.New("stop")

// replayMercure catches a Mercure stream up, as the Mercure hub does:
//   - without a Last-Event-ID, from the position named by its
//     Last-Event-ID header (from), so nothing published since is missed;
//   - with Earliest, from the oldest retained event;
//   - with an id the log knows, exactly after it;
//   - with an id the log does not know (never issued, or no longer
//     retained), with nothing: no history and no reset event.
//
// It returns the head it read up to; on error, why the stream must end.
func (h *Hub) replayMercure(ctx context.Context, s *engine.Stream, sub *Subscription, last string, resume bool, from uint64, buf []byte) (uint64, []byte, engine.CloseReason, error) {
	after, ok := from, true
	switch {
	case resume && last == Earliest:
		var err error
		if after, err = h.oldest(ctx); err != nil {
			return h.replayFailed(ctx, sub, last, buf, err)
		}
	case resume:
		var err error
		if after, ok, err = h.resolve(ctx, last); err != nil {
			return h.replayFailed(ctx, sub, last, buf, err)
		}
	}
	if !ok {
		return h.engine.Head(), buf, 0, nil
	}
	head, buf, why, err := h.replayAfter(ctx, s, sub, after, buf)
	if errors.Is(err, ErrUnknownPosition) || errors.Is(err, ErrNotRetained) {
		return head, buf, 0, nil // as an unknown id: nothing
	}
	return head, buf, why, err
}

// oldest returns the position before the oldest retained entry, from
// which ReadAfter reads all the history: the Log's, if it is an OldestLog;
// else 0, which reads everything on a log that numbers from 1 and has
// dropped nothing.
func (h *Hub) oldest(ctx context.Context) (uint64, error) {
	if l, ok := h.cfg.Log.(OldestLog); ok {
		return l.Oldest(ctx)
	}
	return 0, nil
}

// holdTemplates holds the distinct templates of a Mercure stream's
// selectors within Limits.MaxTemplates (see engine.Hold), or refuses the
// stream; release is to call when it has ended.
func (h *Hub) holdTemplates(sub *Subscription) (release func(), no *refusal) {
	limit := h.cfg.Limits.MaxTemplates
	if limit <= 0 || !sub.mercure() {
		return func() {}, nil
	}
	var templates []string
	for _, sel := range sub.Selectors {
		if selector.KindOf(sel) == selector.Template && !slices.Contains(templates, sel) {
			templates = append(templates, sel)
		}
	}
	release, ok := h.engine.Hold(templates, limit)
	if !ok {
		return nil, limitRefusal(refusedHubFull, "the hub holds at most %d distinct URI templates: subscribe with templates in use or exact topics, or try again later", limit)
	}
	return release, nil
}
