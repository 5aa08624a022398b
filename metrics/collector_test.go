package metrics_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/metrics"
	"github.com/ssehub/ssehub/redis"
)

// A known workload over real HTTP (streams over HTTP/1.1 and HTTP/2,
// refusals, broadcasts, targeted and ephemeral events, a resume, a reset,
// a kick, a hang-up, a slow client's overflow, then Shutdown), scraped
// through the real /metrics handler: every figure is what the workload
// makes it.
func TestMetricsAfterAKnownWorkload(t *testing.T) {
	f := newFixture(t, ssehub.Config{Heartbeat: -1, QueueBytes: 64 << 10, Limits: ssehub.Limits{MaxStreamsPerClient: 2}})

	a1 := f.stream(t, false, "id=alice")
	a2 := f.stream(t, false, "id=alice")
	bob := f.stream(t, false, "id=bob")
	carol := f.stream(t, true, "id=carol&topic=room")
	dave := f.stream(t, true, "id=dave&topic=room")
	if code := f.refused(t, "id=alice"); code != http.StatusTooManyRequests {
		t.Errorf("alice's third stream: %d, want 429", code)
	}
	if code := f.refused(t, "id=x&id=y"); code != http.StatusBadRequest {
		t.Errorf("two ids: %d, want 400", code)
	}

	connections := 0
	publish := func(body string) receipt {
		r := f.publish(t, body)
		connections += r.Connections
		return r
	}
	first := publish(`{"broadcast": true, "data": "b1"}`)
	publish(`{"broadcast": true, "data": "b2"}`)
	publish(`{"broadcast": true, "data": "b3"}`)
	publish(`{"clients": ["bob"], "data": "to bob"}`)
	publish(`{"topics": ["room"], "data": "to the room"}`)
	publish(`{"broadcast": true, "ephemeral": true, "data": "tick"}`)
	if connections != 5+5+5+1+2+5 {
		t.Fatalf("the receipts count %d connections, want 23", connections)
	}
	a1.Expect(t, "b1", "b2", "b3", "tick")
	a2.Expect(t, "b1", "b2", "b3", "tick")
	bob.Expect(t, "b1", "b2", "b3", "to bob", "tick")
	carol.Expect(t, "b1", "b2", "b3", "to the room", "tick")
	dave.Expect(t, "b1", "b2", "b3", "to the room", "tick")

	erin := f.stream(t, false, "id=erin", "Last-Event-ID: "+first.ID)
	erin.Expect(t, "b2", "b3") // replayed
	frank := f.stream(t, false, "id=frank", "Last-Event-ID: not-an-id")
	if ev := frank.Next(t); ev.Type != ssehub.ResetEventType {
		t.Fatalf("frank's first event: %+v, want a reset", ev)
	}

	if code, body := f.do(t, http.MethodDelete, "/clients/alice", ""); code != http.StatusOK || !strings.Contains(string(body), `"ended":2`) {
		t.Fatalf("DELETE /clients/alice: %d %s, want 200 and 2 streams ended", code, body)
	}
	for _, s := range []*ssetest.Stream{a1, a2} {
		if _, err := s.Ended(t); err == nil {
			t.Fatal("a kicked stream ended without an error")
		}
	}
	bob.Close()
	ssetest.Eventually(t, "bob's hang-up counted", func() bool {
		return f.hub.Metrics().Closed["client_gone"] == 1
	})
	slowPublishes, slowDeliveries := overflowASlowClient(t, f)

	f.metrics(t).expect(t, map[string]float64{
		"ssehub_streams_open{protocol=http1_takeover}":         2, // erin, frank
		"ssehub_streams_open{protocol=http1_handler}":          0,
		"ssehub_streams_open{protocol=http2}":                  2, // carol, dave
		"ssehub_clients":                                       4,
		"ssehub_streams_opened_total{protocol=http1_takeover}": 6, // alice twice, bob, erin, frank, slow
		"ssehub_streams_opened_total{protocol=http1_handler}":  0,
		"ssehub_streams_opened_total{protocol=http2}":          2,
		"ssehub_streams_closed_total{reason=kicked}":           2,
		"ssehub_streams_closed_total{reason=client_gone}":      1,
		"ssehub_streams_closed_total{reason=overflow}":         1,
		"ssehub_streams_closed_total{reason=write_timeout}":    0,
		"ssehub_streams_closed_total{reason=shutdown}":         0,
		"ssehub_streams_refused_total{reason=client_limit}":    1,
		"ssehub_streams_refused_total{reason=invalid}":         1,
		"ssehub_streams_refused_total{reason=hub_full}":        0,
		"ssehub_streams_refused_total{reason=unauthorized}":    0,

		"ssehub_events_published_total{ephemeral=false,target=broadcast}": 3,
		"ssehub_events_published_total{ephemeral=false,target=client}":    float64(1 + slowPublishes),
		"ssehub_events_published_total{ephemeral=false,target=topic}":     1,
		"ssehub_events_published_total{ephemeral=false,target=mixed}":     0,
		"ssehub_events_published_total{ephemeral=true,target=broadcast}":  1,
		"ssehub_events_published_total{ephemeral=true,target=client}":     0,
		"ssehub_deliveries_total":                                         float64(connections + slowDeliveries),
		"ssehub_replayed_events_total":                                    2,
		"ssehub_resets_total{reason=unknown}":                             1,
		"ssehub_resets_total{reason=expired}":                             0,
		"ssehub_log_skips_total":                                          0,
		"ssehub_queued_bytes":                                             0,
		"ssehub_publish_duration_seconds":                                 float64(6 + slowPublishes), // its count
		"ssehub_log_append_duration_seconds":                              float64(5 + slowPublishes), // the ephemeral event is not appended
		"ssehub_log_append_errors_total":                                  0,
	})
	if m := f.metrics(t); m.sum(t, "ssehub_streams_closed_total") != 4 {
		t.Errorf("%v streams closed in all, want 4: a reason counted that should not be", m.sum(t, "ssehub_streams_closed_total"))
	}

	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()
	if err := f.hub.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	f.metrics(t).expect(t, map[string]float64{
		"ssehub_streams_closed_total{reason=shutdown}": 4,
		"ssehub_streams_open{protocol=http1_takeover}": 0,
		"ssehub_streams_open{protocol=http2}":          0,
		"ssehub_clients":                               0,
	})
}

// overflowASlowClient opens a stream with a raw connection that never
// reads and publishes large events to its client until its queue
// overflows. It returns how many events it published and how many
// streams took them (the receipts' connections).
func overflowASlowClient(t *testing.T, f *fixture) (publishes, deliveries int) {
	t.Helper()
	nc, err := net.Dial("tcp", f.h1.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fmt.Fprintf(nc, "GET /sse?id=slow HTTP/1.1\r\nHost: hub\r\n\r\n")
	ssetest.Eventually(t, "the slow client's stream open", func() bool {
		n, _ := f.hub.StreamCount(context.Background(), "slow")
		return n == 1
	})
	big := []byte(strings.Repeat("x", 16<<10))
	for f.hub.Metrics().Closed["overflow"] == 0 {
		if publishes == 2000 { // 32 MB: far more than any socket buffers
			t.Fatal("the slow client's queue never overflowed")
		}
		r, err := f.hub.Publish(context.Background(), ssehub.Message{Clients: []string{"slow"}, Data: big})
		if err != nil {
			t.Fatal(err)
		}
		publishes++
		deliveries += r.Streams
		if r.Streams == 0 { // the overflow is counted as the stream closes
			ssetest.Eventually(t, "the overflow counted", func() bool {
				return f.hub.Metrics().Closed["overflow"] == 1
			})
		}
	}
	return publishes, deliveries
}

// /metrics is guarded by the publish keys, as the admin routes are.
func TestMetricsNeedThePublishKey(t *testing.T) {
	f := newFixture(t, ssehub.Config{Heartbeat: -1})
	for key, want := range map[string]int{"": http.StatusUnauthorized, "wrong-key-of-some-length": http.StatusForbidden} {
		if code, _ := tryScrape(t, f.h1.Client(), f.h1.URL+"/metrics", key); code != want {
			t.Errorf("GET /metrics with key %q: %d, want %d", key, code, want)
		}
	}
	m := f.metrics(t)
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes"} {
		if _, ok := m[name]; !ok {
			t.Errorf("no %s: the Go collector is missing", name)
		}
	}
	if _, ok := m["process_cpu_seconds_total"]; !ok && runtime.GOOS == "linux" {
		t.Error("no process_cpu_seconds_total: the process collector is missing")
	}
}

// The latency histograms are in seconds, with the hub's fixed buckets.
func TestLatencyHistogramsInSeconds(t *testing.T) {
	f := newFixture(t, ssehub.Config{Heartbeat: -1})
	f.publish(t, `{"broadcast": true, "data": "x"}`)
	m := f.metrics(t)
	for _, name := range []string{"ssehub_publish_duration_seconds", "ssehub_log_append_duration_seconds"} {
		h := m[name].GetMetric()[0].GetHistogram()
		bounds := ssehub.Histogram{}.Bounds()
		if got := len(h.GetBucket()); got != len(bounds)+1 {
			t.Fatalf("%s: %d buckets, want %d and +Inf", name, got, len(bounds))
		}
		for i, b := range h.GetBucket()[:len(bounds)] {
			if want := bounds[i].Seconds(); b.GetUpperBound() != want {
				t.Errorf("%s: bucket %d bound %v, want %v", name, i, b.GetUpperBound(), want)
			}
		}
		if h.GetSampleCount() != 1 || h.GetSampleSum() <= 0 || h.GetSampleSum() > ssetest.Wait.Seconds() {
			t.Errorf("%s: count %d, sum %v s; want one publish of a few µs", name, h.GetSampleCount(), h.GetSampleSum())
		}
		if last := h.GetBucket()[len(bounds)-1]; last.GetCumulativeCount() != 1 {
			t.Errorf("%s: %d observations up to %v s, want 1", name, last.GetCumulativeCount(), last.GetUpperBound())
		}
	}
}

// laggyLog is a MemoryLog that says its feed is behind, as a shared log's would.
type laggyLog struct {
	*ssehub.MemoryLog
	lag time.Duration
}

func (l laggyLog) FeedLag() time.Duration { return l.lag }

// A log with a feed has its lag reported; one without has no such metric.
func TestFeedLag(t *testing.T) {
	log := laggyLog{ssehub.NewMemoryLog(ssehub.Retention{}), 1500 * time.Millisecond}
	f := newFixture(t, ssehub.Config{Heartbeat: -1, Log: log})
	f.metrics(t).expect(t, map[string]float64{"ssehub_redis_feed_lag_seconds": 1.5})

	plain := newFixture(t, ssehub.Config{Heartbeat: -1})
	if _, ok := plain.metrics(t)["ssehub_redis_feed_lag_seconds"]; ok {
		t.Error("ssehub_redis_feed_lag_seconds reported for a memory log")
	}
}

// The shared Redis log is a FeedLagger: a hub on it reports its feed's lag.
var _ metrics.FeedLagger = (*redis.Log)(nil)

// waitingLog is a MemoryLog that says its replicas timed out, as a shared
// log with -redis-replicas does.
type waitingLog struct {
	*ssehub.MemoryLog
	timeouts uint64
}

func (l waitingLog) ReplicaWaitTimeouts() uint64 { return l.timeouts }

// A log that waits for replicas has its timeouts reported; one that does
// not has no such metric.
func TestReplicaWaitTimeouts(t *testing.T) {
	log := waitingLog{ssehub.NewMemoryLog(ssehub.Retention{}), 3}
	f := newFixture(t, ssehub.Config{Heartbeat: -1, Log: log})
	f.metrics(t).expect(t, map[string]float64{"ssehub_redis_replica_wait_timeouts_total": 3})

	plain := newFixture(t, ssehub.Config{Heartbeat: -1})
	if _, ok := plain.metrics(t)["ssehub_redis_replica_wait_timeouts_total"]; ok {
		t.Error("ssehub_redis_replica_wait_timeouts_total reported for a memory log")
	}
}

// The shared Redis log counts its replica-wait timeouts.
var _ metrics.ReplicaWaiter = (*redis.Log)(nil)

// failingOverLog is a MemoryLog that counts failovers, as a shared log's
// would.
type failingOverLog struct{ *ssehub.MemoryLog }

func (failingOverLog) Failovers() uint64      { return 2 }
func (failingOverLog) PrimaryChanges() uint64 { return 3 }
func (failingOverLog) FeedRestarts() map[string]uint64 {
	return map[string]uint64{"stalled": 1, "error": 4}
}

// A log that counts failovers has them reported, with the fixed reasons as
// labels and no address; one that does not has no such metrics.
func TestFailoverCounters(t *testing.T) {
	f := newFixture(t, ssehub.Config{Heartbeat: -1, Log: failingOverLog{ssehub.NewMemoryLog(ssehub.Retention{})}})
	f.metrics(t).expect(t, map[string]float64{
		"ssehub_redis_failovers_total":                     2,
		"ssehub_redis_primary_changes_total":               3,
		"ssehub_redis_feed_restarts_total{reason=stalled}": 1,
		"ssehub_redis_feed_restarts_total{reason=error}":   4,
	})
	plain := newFixture(t, ssehub.Config{Heartbeat: -1})
	if _, ok := plain.metrics(t)["ssehub_redis_failovers_total"]; ok {
		t.Error("ssehub_redis_failovers_total reported for a memory log")
	}
}

// The shared Redis log counts its failovers: a hub on it reports them.
var _ metrics.FailoverCounter = (*redis.Log)(nil)
