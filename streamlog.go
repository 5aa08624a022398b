package ssehub

import (
	"context"
	"log/slog"
	"time"

	"github.com/ssehub/ssehub/internal/engine"
)

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

func (h *Hub) logClosed(s *engine.Stream, why CloseReason) {
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
