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
