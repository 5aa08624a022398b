package ssehub

import (
	"context"
	"log/slog"
	"time"
)

// The debug lines of a stream's life: one when it opens, one when it ends,
// with what an operator needs to follow a client (its id, how it is
// served, why and after how long it ended) and nothing of its credentials:
// no token, no query string, no header. With debug off they cost a level
// check, and no attribute is built.

func (h *Hub) logOpened(c *conn) {
	l := h.cfg.Logger
	if !l.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	l.LogAttrs(context.Background(), slog.LevelDebug, "ssehub: stream opened",
		slog.String("client", c.sub.Client),
		slog.String("protocol", c.proto.String()),
		slog.Int("topics", len(c.sub.Topics)),
		slog.String("addr", c.addr))
}

func (h *Hub) logClosed(c *conn, why CloseReason) {
	l := h.cfg.Logger
	if !l.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	l.LogAttrs(context.Background(), slog.LevelDebug, "ssehub: stream closed",
		slog.String("client", c.sub.Client),
		slog.String("protocol", c.proto.String()),
		slog.String("reason", why.String()),
		slog.Duration("duration", time.Since(time.Unix(0, c.born))))
}
