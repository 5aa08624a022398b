package ssehub

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/ssehub/ssehub/internal/engine"
	"github.com/ssehub/ssehub/sse"
)

// countingSink is a stream's sink without a socket: it counts the bytes
// written, and is written by the hub's writer pool as a taken-over socket
// is. It lets the fan-out benchmarks hold 100,000 streams in one process.
type countingSink struct{ written *atomic.Int64 }

func (s countingSink) Write(p []byte) error           { s.written.Add(int64(len(p))); return nil }
func (s countingSink) TryWrite(p []byte) (int, error) { return len(p), s.Write(p) }
func (s countingSink) Close()                         {}
func (s countingSink) Pending() bool                  { return false }

// addStream registers a stream of sub with h, on a countingSink adding to
// written, replaying unless live: a replaying stream queues what it gets.
func addStream(h *Hub, sub Subscription, written *atomic.Int64, live bool) *engine.Stream {
	s := h.engine.NewStream(identityOf(&sub, ""), countingSink{written}, engine.ProtocolHTTP1)
	h.engine.Register(s)
	if live {
		s.GoLive(0)
	}
	return s
}

// hubWithSinks returns a hub with n live connections on sinks, client ids
// c0..c<n-1>, and the counter of bytes written to them.
func hubWithSinks(b *testing.B, n int) (*Hub, *atomic.Int64) {
	h := New(Config{Heartbeat: -1, Log: NewMemoryLog(Retention{MaxEntries: 1000})})
	b.Cleanup(func() { h.Shutdown(context.Background()) })
	written := new(atomic.Int64)
	for i := range n {
		addStream(h, Subscription{Client: fmt.Sprintf("c%d", i)}, written, true)
	}
	return h, written
}

// BenchmarkFanOut publishes one broadcast per op and waits until every
// connection's writer has written it. allocs/op must not grow with the number
// of connections: the event is encoded once and its bytes shared.
func BenchmarkFanOut(b *testing.B) {
	for _, n := range []int{1, 1000, 100_000} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			h, written := hubWithSinks(b, n)
			data := []byte("a small event of about sixty bytes, like a chat message")
			var want int64
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				r, err := h.Publish(context.Background(), Message{Broadcast: true, Data: data})
				if err != nil || r.Streams != n {
					b.Fatalf("publish: %v, %d connections", err, r.Streams)
				}
				want += int64(n * len(sse.AppendEvent(nil, r.ID, "", data)))
				for written.Load() < want {
					runtime.Gosched()
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}

// BenchmarkPublishToOneClient is a targeted publish among 100,000 connections.
func BenchmarkPublishToOneClient(b *testing.B) {
	h, written := hubWithSinks(b, 100_000)
	data := []byte("a small event of about sixty bytes, like a chat message")
	var want int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r, err := h.Publish(context.Background(), Message{Clients: []string{fmt.Sprintf("c%d", i%100_000)}, Data: data})
		if err != nil || r.Streams != 1 {
			b.Fatalf("publish: %v, %d connections", err, r.Streams)
		}
		want += int64(len(sse.AppendEvent(nil, r.ID, "", data)))
		for written.Load() < want {
			runtime.Gosched()
		}
	}
}

// BenchmarkClientPage is GET /clients's first page among 100,000 clients.
func BenchmarkClientPage(b *testing.B) {
	h, _ := hubWithSinks(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		if page, more, _ := h.ClientPage(context.Background(), "", 1000); len(page) != 1000 || !more {
			b.Fatalf("page of %d, more %v", len(page), more)
		}
	}
}

// BenchmarkSelectorFanOut is publish-to-receive for Mercure streams: 10,000
// live streams spread over 100 selectors, one publish per op to one of 100
// topics (100 streams each), waiting until every stream took its bytes.
// "exact" subscribes with the topics themselves, "template" with 100
// distinct URI templates that each match one topic: the template index
// matches every publish's topic against the 100 templates (cached) and
// then visits only the streams of the one that matched. The ratio of the
// two is the cost of templates.
func BenchmarkSelectorFanOut(b *testing.B) {
	const streams, selectors = 10_000, 100
	topic := func(i int) string { return fmt.Sprintf("https://example.com/rooms/%d/messages/1", i) }
	for _, kind := range []string{"exact", "template"} {
		b.Run("selectors="+kind, func(b *testing.B) {
			h := New(Config{Heartbeat: -1, Log: NewMemoryLog(Retention{MaxEntries: 1000})})
			b.Cleanup(func() { h.Shutdown(context.Background()) })
			written := new(atomic.Int64)
			for i := range streams {
				sel := topic(i % selectors)
				if kind == "template" {
					sel = fmt.Sprintf("https://example.com/rooms/%d/messages/{id}", i%selectors)
				}
				addStream(h, Subscription{Client: fmt.Sprintf("c%d", i), Selectors: []string{sel}}, written, true)
			}
			data := []byte("a small event of about sixty bytes, like a chat message")
			var want int64
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				r, err := h.Publish(context.Background(), Message{Topics: []string{topic(i % selectors)}, Data: data})
				if err != nil || r.Streams != streams/selectors {
					b.Fatalf("publish: %v, %d streams, want %d", err, r.Streams, streams/selectors)
				}
				want += int64(streams / selectors * len(sse.AppendEvent(nil, r.ID, "", data)))
				for written.Load() < want {
					runtime.Gosched()
				}
			}
			b.ReportMetric(float64(streams/selectors)*float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}
