package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/bolt"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// startHub serves a real hub on log over loopback and returns its URL. The
// cleanups run in reverse order of registration: the hub's Shutdown first,
// which ends the streams (the hub took their connections over, so the
// server no longer tracks them), then the server, then the log, which the
// hub does not close.
func startHub(t *testing.T, log ssehub.Log) string {
	t.Helper()
	return startHubWith(t, log, httpapi.Config{})
}

// startHubWith is startHub with the HTTP API's configuration.
func startHubWith(t *testing.T, log ssehub.Log, api httpapi.Config) string {
	t.Helper()
	t.Cleanup(func() {
		if err := log.Close(); err != nil {
			t.Errorf("log.Close: %v", err)
		}
	})
	hub := ssehub.New(ssehub.Config{Log: log, Logger: slog.New(slog.DiscardHandler)})
	return ssetest.Serve(t, hub, httpapi.New(hub, api)).URL
}

// Against a hub that requires a publish key, the tool publishes with
// -publish-key, and every publish without it is refused.
func TestPublishKeyRealHub(t *testing.T) {
	const key = "ssebench-test-key-0123456789"
	url := startHubWith(t, ssehub.NewMemoryLog(ssehub.Retention{}), httpapi.Config{PublishKeys: []string{key}})
	for _, c := range []struct {
		key    string
		errors bool
	}{{key, false}, {"", true}} {
		res, err := Run(context.Background(), Config{URL: url, Scenario: "fanout", Conns: 20, Events: 10, PublishKey: c.key, Timeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.PublishErrors > 0; got != c.errors || (!c.errors && res.Loss != 0) {
			t.Errorf("key %q: %d publish errors (%v), loss %d; want errors: %v", c.key, res.PublishErrors, res.PublishErrorKinds, res.Loss, c.errors)
		}
	}
}

// TestStormRealHub runs reconnect storms against the real hub on each
// store: every stream is cut every second and resumes with Last-Event-ID
// while events are published, and must end up with every event meant for
// it, once and in order. The history (10,000 events by default) holds every
// event of the run, so nothing may be lost, not even with a reset.
func TestStormRealHub(t *testing.T) {
	stores := []struct {
		name string
		open func(t *testing.T) ssehub.Log
	}{
		{"memory", func(t *testing.T) ssehub.Log { return ssehub.NewMemoryLog(ssehub.Retention{}) }},
		{"bolt", func(t *testing.T) ssehub.Log {
			l, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"), ssehub.Retention{})
			if err != nil {
				t.Fatal(err)
			}
			return l
		}},
	}
	runs := []struct {
		to      string
		clients int
		rate    float64
	}{
		// Sized to take a few seconds each under -race on 2 cores: the
		// broadcasts make 300 deliveries per event, the targeted events 10 (30
		// clients), enough for an event to be due to most streams as they resume.
		{toBroadcast, 300, 100},
		{toTargeted, 30, 1000},
	}
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			for _, run := range runs {
				t.Run(run.to, func(t *testing.T) {
					url := startHub(t, store.open(t))
					res := runTest(t, Config{
						URL: url, Target: targetSSEHub, Scenario: "storm", To: run.to,
						Conns: 300, Clients: run.clients, Rate: run.rate, Duration: 3 * time.Second,
						StormEvery: time.Second, Drain: 10 * time.Second, Timeout: time.Minute,
					})
					checkStorm(t, res)
				})
			}
		})
	}
}

// checkStorm asserts what a correct hub gives a storm run.
func checkStorm(t *testing.T, res *Result) {
	t.Helper()
	st, c := res.Storm, res.Checks
	if st == nil || c == nil {
		t.Fatalf("no storm or checks in the result")
	}
	t.Logf("%d storms, %d cuts, %d reconnects; %d of %d expected received: silent missing %d (%d streams), announced %d, duplicates %d, out of order %d, misdelivered %d, resets %d",
		st.Storms, st.Cuts, st.Reconnects, c.Received, c.Expected, c.SilentMissing, c.StreamsSilentMissing,
		c.AnnouncedLost, c.Duplicates, c.OutOfOrder, c.Misdelivered, c.ResetEvents)
	for _, p := range c.Problems {
		t.Logf("problem stream %+v", p)
	}
	if res.Connected != res.Conns || c.Streams != res.Conns {
		t.Errorf("%d of %d streams connected, %d checked", res.Connected, res.Conns, c.Streams)
	}
	if res.PublishErrors != 0 || c.Expected == 0 {
		t.Errorf("%d publish errors %v, %d deliveries expected", res.PublishErrors, res.PublishErrorKinds, c.Expected)
	}
	if st.Storms < 2 || st.StreamsReconnected < res.Conns*9/10 {
		t.Errorf("%d storms, %d of %d streams reconnected", st.Storms, st.StreamsReconnected, res.Conns)
	}
	if c.SilentMissing != 0 || c.Duplicates != 0 || c.OutOfOrder != 0 || c.Misdelivered != 0 {
		t.Errorf("silent missing %d on %d streams, duplicates %d, out of order %d, misdelivered %d",
			c.SilentMissing, c.StreamsSilentMissing, c.Duplicates, c.OutOfOrder, c.Misdelivered)
	}
}
