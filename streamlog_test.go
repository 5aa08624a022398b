package ssehub_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/jwtauth"
)

// syncBuffer is a log's output, read while the hub writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// line returns the first line of b containing every one of parts, or "".
func (b *syncBuffer) line(parts ...string) string {
	for line := range strings.Lines(b.String()) {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return line
		}
	}
	return ""
}

// At debug level a stream's opening and end are logged, with its client,
// protocol, reason and duration, and never its token: not in the query
// that carried it, not in part.
func TestStreamLogLinesNeverCarryTheToken(t *testing.T) {
	secret := []byte("a-subscriber-secret-of-32-bytes!")
	v, err := jwtauth.New(jwtauth.Config{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	forEachMode(t, ssehub.Config{Authorizer: v, Logger: logger}, func(t *testing.T, e *env) {
		now := time.Now()
		token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"sub": "alice", "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
		}).SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		s := e.open(t, "topic=room&token="+token)
		proto := "protocol=" + protocolOf(t, e)
		ssetest.Eventually(t, "the stream's open line", func() bool {
			return out.line("stream opened", "client=alice", proto, "topics=1") != ""
		})
		if n, err := e.hub.Kick(context.Background(), "alice"); n != 1 || err != nil {
			t.Fatalf("Kick: %d, %v; want 1 stream ended", n, err)
		}
		s.Ended(t)
		ssetest.Eventually(t, "the stream's close line", func() bool {
			return out.line("stream closed", "client=alice", proto, "reason=kicked", "duration=") != ""
		})
		text := out.String()
		for _, secretPart := range append(strings.Split(token, "."), token, string(secret), "token=") {
			if strings.Contains(text, secretPart) {
				t.Fatalf("the log carries %q of the token or secret:\n%s", secretPart, text)
			}
		}
	})
}

// Above debug level, streams opening and closing write nothing.
func TestStreamLogLinesOnlyAtDebug(t *testing.T) {
	out := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e := start(t, ssehub.Config{Logger: logger}, modes[0])
	s := e.open(t, "id=bob")
	ssetest.Eventually(t, "bob's stream registered", func() bool { return localConns(e.hub, "bob") == 1 })
	s.Close()
	ssetest.Eventually(t, "bob's stream closed", func() bool { return localConns(e.hub, "bob") == 0 })
	if text := out.String(); text != "" {
		t.Errorf("at info level the hub logged:\n%s", text)
	}
}
