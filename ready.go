package ssehub

import (
	"context"
	"fmt"
)

// A Checker is a Log or Cluster that can tell whether it can serve now (its
// store answers, it accepts appends). Hub.Ready asks the hub's.
type Checker interface {
	// Check returns nil when ready, or why not.
	Check(ctx context.Context) error
}

// Ready reports whether the hub can serve: nil, or why not (Shutdown has
// begun, or its Log or Cluster is a Checker whose Check fails). Streams that
// are open stay open while the hub is not ready.
func (h *Hub) Ready(ctx context.Context) error {
	if h.gate.isClosing() {
		return ErrClosed
	}
	if c, ok := h.cfg.Log.(Checker); ok {
		if err := c.Check(ctx); err != nil {
			return fmt.Errorf("the event log: %w", err)
		}
	}
	if c, ok := h.cfg.Cluster.(Checker); ok {
		if err := c.Check(ctx); err != nil {
			return fmt.Errorf("the cluster: %w", err)
		}
	}
	return nil
}
