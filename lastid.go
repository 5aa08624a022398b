package ssehub

import (
	"context"
	"errors"
	"math"
)

// LastEventID returns the id clients see (Entry.ID) of the newest entry in
// the log, and false when the log holds none. Mercure's subscriptions API
// shows it, so that a client resuming from it misses no event that
// followed the snapshot it read. With a shared log it is the newest entry
// of any node's.
func (h *Hub) LastEventID(ctx context.Context) (id string, ok bool, err error) {
	// A log answers an id newer than any it issued with its head.
	head, err := h.cfg.Log.ReadAfter(ctx, math.MaxUint64, nil, func(*Entry) error { return nil })
	if err != nil && !errors.Is(err, ErrUnknownPosition) {
		return "", false, err
	}
	if id, err = h.idAt(ctx, head); err != nil || id == Earliest {
		return "", false, err
	}
	return id, true, nil
}

// HasEventID reports whether the log retains an entry appended with
// Message.EventID id. A Mercure publish checks it so that a publisher's id
// names one event: a client resuming after a repeated id would go on after
// its newest copy. It is a check before the append, not a guarantee:
// two publishes of one new id at the same moment both pass. A Log that is
// not an EventIDLog retains no ids (false).
func (h *Hub) HasEventID(ctx context.Context, id string) (bool, error) {
	l, ok := h.cfg.Log.(EventIDLog)
	if !ok {
		return false, nil
	}
	_, found, err := l.SeqOf(ctx, id)
	return found, err
}
