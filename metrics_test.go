package ssehub_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// wantProtocol is the label of how a mode's streams are served.
func wantProtocol(m mode) string {
	switch {
	case m.http2 || m.h2c:
		return "http2"
	case m.keepHandler:
		return "http1_handler"
	}
	return "http1_takeover"
}

// protocolOf returns the protocol of the one stream open on e's hub.
func protocolOf(t *testing.T, e *env) string {
	t.Helper()
	var open string
	ssetest.Eventually(t, "one stream open", func() bool {
		m, n := e.hub.Metrics(), int64(0)
		for p, streams := range m.Streams {
			if streams > 0 {
				open, n = p, n+streams
			}
		}
		return n == 1
	})
	return open
}

// counted returns the labels of counts counted more than zero, with their
// counts.
func counted[V int64 | uint64](counts map[string]V) map[string]V {
	c := make(map[string]V)
	for label, n := range counts {
		if n != 0 {
			c[label] = n
		}
	}
	return c
}

// refusedStatus requests a stream that must be refused, with the given
// extra header lines, and returns the status.
func refusedStatus(t *testing.T, e *env, query string, header ...string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = headerOf(header)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatalf("GET /?%s %q: a stream, want a refusal", query, header)
	}
	return resp.StatusCode
}

// Streams are counted by how they are served, from their opening to their
// end, whatever ends them.
func TestMetricsCountStreamsByProtocol(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e := start(t, ssehub.Config{KeepHandler: m.keepHandler}, m)
			s := e.open(t, "id=a")
			if p := protocolOf(t, e); p != wantProtocol(m) {
				t.Errorf("stream counted as %v, want %v", p, wantProtocol(m))
			}
			if got := e.hub.Metrics().Opened[wantProtocol(m)]; got != 1 {
				t.Errorf("Opened[%v] = %d, want 1", wantProtocol(m), got)
			}
			s.Close()
			ssetest.Eventually(t, "the hang-up counted", func() bool {
				got := e.hub.Metrics()
				return got.Streams[wantProtocol(m)] == 0 && got.Closed["client_gone"] == 1
			})
			if c := e.hub.Metrics().Clients; c != 0 {
				t.Errorf("Clients = %d after the only stream closed, want 0", c)
			}
		})
	}
}

// Each way a stream ends is counted under its reason, once: a Shutdown,
// an expiry, a loss of continuity of the log; and refusals by theirs.
func TestMetricsCloseAndRefusalReasons(t *testing.T) {
	auth := authorizerFunc(func(r *http.Request, asked ssehub.Subscription) (ssehub.Subscription, error) {
		switch r.Header.Get("X-User") {
		case "":
			return ssehub.Subscription{}, fmt.Errorf("%w: who are you?", ssehub.ErrUnauthorized)
		case "mallory":
			return ssehub.Subscription{}, fmt.Errorf("%w: not yours", ssehub.ErrForbidden)
		case "brief":
			asked.Expires = time.Now().Add(100 * time.Millisecond)
		}
		return asked, nil
	})
	log := newGappyLog()
	quiet := slog.New(slog.DiscardHandler) // the skip's warning
	forEachMode(t, ssehub.Config{Log: log, Authorizer: auth, Limits: ssehub.Limits{MaxStreams: 3}, Logger: quiet}, func(t *testing.T, e *env) {
		defer e.client.CloseIdleConnections()
		brief := e.open(t, "id=a", "X-User: brief")
		if _, err := brief.Ended(t); err == nil {
			t.Fatal("the expiring stream ended without an error")
		}
		ssetest.Eventually(t, "the expiry counted", func() bool { return e.hub.Metrics().Closed["expired"] == 1 })

		skipped := e.open(t, "id=b", "X-User: b")
		ssetest.Eventually(t, "b registered", func() bool { return localConns(e.hub, "b") == 1 })
		log.losing.Store(true)
		e.publish(t, ssehub.Message{Broadcast: true, Data: []byte("lost")})
		log.losing.Store(false)
		skipped.Ended(t)
		ssetest.Eventually(t, "the skip counted", func() bool { return e.hub.Metrics().Closed["log_skip"] == 1 })

		for _, user := range []string{"c", "d", "e"} {
			e.open(t, "id="+user, "X-User: "+user)
		}
		for _, c := range []struct {
			header string
			want   string
		}{{"X-User: f", "hub_full"}, {"", "unauthorized"}, {"X-User: mallory", "forbidden"}} {
			var header []string
			if c.header != "" {
				header = append(header, c.header)
			}
			code := refusedStatus(t, e, "id=f", header...)
			if got := e.hub.Metrics().Refused[c.want]; got != 1 {
				t.Errorf("%q: Refused[%v] = %d, want 1 (status %d)", c.header, c.want, got, code)
			}
		}
		if err := e.hub.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		m := e.hub.Metrics()
		want := map[string]uint64{"shutdown": 3, "expired": 1, "log_skip": 1}
		if !maps.Equal(counted(m.Closed), want) {
			t.Errorf("Closed = %v, want %v", m.Closed, want)
		}
		if m.Skips != 1 || len(counted(m.Streams)) != 0 {
			t.Errorf("Skips = %d, Streams = %v after Shutdown; want 1 and none open", m.Skips, m.Streams)
		}
	})
}

// Resumption is counted: events replayed, and resets by their reason.
func TestMetricsReplaysAndResets(t *testing.T) {
	e := start(t, ssehub.Config{Log: ssehub.NewMemoryLog(ssehub.Retention{MaxEntries: 2})}, modes[0])
	var ids []string
	for i := range 4 {
		ids = append(ids, e.publish(t, ssehub.Message{Broadcast: true, Data: fmt.Appendf(nil, "e%d", i)}).ID)
	}
	e.open(t, "id=a", "Last-Event-ID: "+ids[2]).Expect(t, "e3")
	e.open(t, "id=b", "Last-Event-ID: "+ids[0]) // e1 is gone: expired
	e.open(t, "id=c", "Last-Event-ID: garbage")
	ssetest.Eventually(t, "the resets counted", func() bool {
		m := e.hub.Metrics()
		return maps.Equal(m.Resets, map[string]uint64{"expired": 1, "unknown": 1})
	})
	if m := e.hub.Metrics(); m.Replayed != 1 {
		t.Errorf("Replayed = %d, want 1", m.Replayed)
	}
}

// Publishes are counted by target kind, recorded or ephemeral, and timed;
// a repeated idempotent publish publishes nothing.
func TestMetricsCountPublishes(t *testing.T) {
	e := start(t, ssehub.Config{}, modes[0])
	ctx := context.Background()
	e.hub.Metrics() // keeps the latencies from now on
	e.publish(t, ssehub.Message{Broadcast: true, Topics: []string{"t"}})
	e.publish(t, ssehub.Message{Clients: []string{"a"}, Topics: []string{"t"}})
	e.publish(t, ssehub.Message{Topics: []string{"t"}, Ephemeral: true})
	batch := []ssehub.Message{{Clients: []string{"a"}}, {Clients: []string{"b"}, Ephemeral: true}}
	if _, err := e.hub.PublishBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := e.hub.PublishOnce(ctx, "key-1", []ssehub.Message{{Topics: []string{"t"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.hub.Publish(ctx, ssehub.Message{}); err == nil {
		t.Fatal("a message without a target was published")
	}
	m := e.hub.Metrics()
	wantRecorded := map[string]uint64{"broadcast": 1, "mixed": 1, "client": 1, "topic": 1}
	wantEphemeral := map[string]uint64{"topic": 1, "client": 1}
	if !maps.Equal(counted(m.Published), wantRecorded) || !maps.Equal(counted(m.PublishedEphemeral), wantEphemeral) {
		t.Errorf("Published = %v and %v ephemeral, want %v and %v", m.Published, m.PublishedEphemeral, wantRecorded, wantEphemeral)
	}
	// Calls admitted: 3 Publish, 1 PublishBatch, 2 PublishOnce (the
	// invalid one is not); appends: 2 Publish, 1 batch, 2 AppendOnce.
	if n := m.PublishLatency.Count(); n != 6 {
		t.Errorf("PublishLatency counts %d calls, want 6", n)
	}
	if n := m.AppendLatency.Count(); n != 5 || m.AppendErrors != 0 {
		t.Errorf("AppendLatency counts %d calls and %d errors, want 5 and none", n, m.AppendErrors)
	}
	if m.PublishLatency.Sum <= 0 || m.PublishLatency.Sum < m.AppendLatency.Sum {
		t.Errorf("publish latency sum %v, append %v: want publishes to take longer than their appends", m.PublishLatency.Sum, m.AppendLatency.Sum)
	}
}

// The latencies are kept from the first call of Metrics on: a hub whose
// figures nobody asks for reads no clock. The counters count regardless.
func TestMetricsLatenciesFromTheFirstCall(t *testing.T) {
	e := start(t, ssehub.Config{}, modes[0])
	e.publish(t, ssehub.Message{Broadcast: true})
	m := e.hub.Metrics()
	if m.PublishLatency.Count() != 0 || m.AppendLatency.Count() != 0 || m.Published["broadcast"] != 1 {
		t.Fatalf("before the first Metrics: %d publishes and %d appends timed, %d counted; want 0, 0 and 1",
			m.PublishLatency.Count(), m.AppendLatency.Count(), m.Published["broadcast"])
	}
	e.publish(t, ssehub.Message{Broadcast: true})
	m = e.hub.Metrics()
	if m.PublishLatency.Count() != 1 || m.AppendLatency.Count() != 1 {
		t.Errorf("after it: %d publishes and %d appends timed, want 1 and 1", m.PublishLatency.Count(), m.AppendLatency.Count())
	}
}
