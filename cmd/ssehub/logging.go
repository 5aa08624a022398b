package main

import (
	"io"
	"log/slog"
)

// newLogger returns the process's one logger, as -log-format and
// -log-level ask: run gives it to the hub, the store (and through it the
// Redis log, cluster and client) and the HTTP server, so that every line
// has one format and one threshold. Nothing given to it may hold a token,
// a key or a password (see secretFlags and redactURL).
func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// warnUnknownEnv logs, once at start, each SSEHUB_ variable no flag reads:
// its name and the variable probably meant, never its value (which may be
// a misspelt secret).
func warnUnknownEnv(logger *slog.Logger, unknown []envWarning) {
	for _, u := range unknown {
		attrs := []any{"var", u.name}
		if u.suggest != "" {
			attrs = append(attrs, "did_you_mean", u.suggest)
		}
		logger.Warn("ssehub: unknown environment variable ignored", attrs...)
	}
}
