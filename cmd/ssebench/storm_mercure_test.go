package main

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/bolt"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/mercure"
)

// startMercureHub serves a real hub on log with the Mercure protocol
// (anonymous subscribers, and the subscriptions API, so that every
// reconnect also publishes its subscription events) and returns its URL.
func startMercureHub(t *testing.T, log ssehub.Log) string {
	t.Helper()
	t.Cleanup(func() {
		if err := log.Close(); err != nil {
			t.Errorf("log.Close: %v", err)
		}
	})
	hub := ssehub.New(ssehub.Config{Log: log, Logger: slog.New(slog.DiscardHandler)})
	m := mercure.New(hub, mercure.Config{Anonymous: true, Subscriptions: true})
	return ssetest.Serve(t, hub, httpapi.New(hub, httpapi.Config{Mercure: m})).URL
}

// TestStormMercureRealHub is TestStormRealHub with Mercure streams on the
// bolt store: every stream subscribes with two URI templates (-mercure),
// is cut every second and resumes with Last-Event-ID, and must end up
// with every event meant for it (by a template), once and in order.
func TestStormMercureRealHub(t *testing.T) {
	for _, run := range []struct {
		to      string
		clients int
		rate    float64
	}{{toBroadcast, 300, 100}, {toTargeted, 30, 1000}} {
		t.Run(run.to, func(t *testing.T) {
			l, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"), ssehub.Retention{})
			if err != nil {
				t.Fatal(err)
			}
			res := runTest(t, Config{
				URL: startMercureHub(t, l), Target: targetSSEHub, Scenario: "storm", To: run.to, Mercure: true,
				Conns: 300, Clients: run.clients, Rate: run.rate, Duration: 3 * time.Second,
				StormEvery: time.Second, Drain: 10 * time.Second, Timeout: time.Minute,
			})
			checkStorm(t, res)
		})
	}
}

// -mercure needs ssehub's API and HTTP/1.1 streams.
func TestMercureUsage(t *testing.T) {
	for _, c := range []Config{
		{Scenario: "fanout", Conns: 1, Mercure: true, Target: targetYardstick},
		{Scenario: "storm", Conns: 1, Mercure: true, Proto: protoH2},
	} {
		if err := c.normalize(); err == nil || !strings.Contains(err.Error(), "-mercure") {
			t.Errorf("%+v: %v, want -mercure refused", c, err)
		}
	}
}
