package ssehub_test

import (
	"maps"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// A fresh hub's Metrics has every label of each set, counted zero, and no
// other: a reader ranges over a map for the whole set, and the labels are
// those the Prometheus metrics are exposed under (docs/METRICS.md).
func TestMetricsReportEveryLabel(t *testing.T) {
	hub := ssehub.New(ssehub.Config{})
	ssetest.ShutdownAtEnd(t, hub)
	m := hub.Metrics()
	protocols := []string{"http1_takeover", "http1_handler", "http2", "mercure"}
	targets := []string{"broadcast", "client", "topic", "mixed"}
	for _, c := range []struct {
		field  string
		got    map[string]uint64
		labels []string
	}{
		{"Opened", m.Opened, protocols},
		{"Closed", m.Closed, []string{"client_gone", "overflow", "write_timeout", "shutdown", "kicked", "expired", "log_skip", "replay_failed"}},
		{"Refused", m.Refused, []string{"hub_full", "client_limit", "address_limit", "unauthorized", "forbidden", "invalid"}},
		{"Published", m.Published, targets},
		{"PublishedEphemeral", m.PublishedEphemeral, targets},
		{"Resets", m.Resets, []string{"expired", "unknown"}},
	} {
		if want := zeros[uint64](c.labels); !maps.Equal(c.got, want) {
			t.Errorf("%s = %v, want %v", c.field, c.got, want)
		}
	}
	if want := zeros[int64](protocols); !maps.Equal(m.Streams, want) {
		t.Errorf("Streams = %v, want %v", m.Streams, want)
	}
}

// zeros returns a count of zero for each label.
func zeros[V int64 | uint64](labels []string) map[string]V {
	m := make(map[string]V, len(labels))
	for _, l := range labels {
		m[l] = 0
	}
	return m
}
