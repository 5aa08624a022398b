package redis

import (
	"context"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/logtest"
)

func TestLog(t *testing.T) {
	env := newLogEnv(t)
	logtest.Run(t, func(t *testing.T, r ssehub.Retention) ssehub.Log {
		return env.openBare(t, r, defaultTuning)
	})
}

// The same with every read going to Redis: the entries the feed keeps in
// memory are only a cache.
func TestLogFromRedis(t *testing.T) {
	env := newLogEnv(t)
	logtest.Run(t, func(t *testing.T, r ssehub.Retention) ssehub.Log {
		return env.openBare(t, r, noCache)
	})
}

// What Mercure subscriptions need: the fields kept, SeqOf, Oldest; from
// the feed's memory and from Redis.
func TestLogEventID(t *testing.T) {
	env := newLogEnv(t)
	logtest.RunEventIDLog(t, func(t *testing.T, r ssehub.Retention) ssehub.Log {
		return env.openBare(t, r, defaultTuning)
	})
}

func TestLogEventIDFromRedis(t *testing.T) {
	env := newLogEnv(t)
	logtest.RunEventIDLog(t, func(t *testing.T, r ssehub.Retention) ssehub.Log {
		return env.openBare(t, r, noCache)
	})
}

// openBare opens a log under a fresh prefix for the conformance suite,
// which sets the listener and closes the log itself.
func (e *logEnv) openBare(t *testing.T, r ssehub.Retention, tune logTuning) *Log {
	t.Helper()
	l, err := newLog(context.Background(), e.client, LogOptions{Prefix: freshPrefix(), Retention: r, Logger: (&logRecorder{}).logger()}, tune)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
