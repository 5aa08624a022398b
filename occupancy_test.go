package ssehub

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/ssehub/ssehub/internal/engine"
	"github.com/ssehub/ssehub/sse"
)

// QueuedBytes is what the streams hold and have not written: events
// queued on a stream still replaying wait in its queue until it goes live.
func TestMetricsQueuedBytes(t *testing.T) {
	h := New(Config{Heartbeat: -1})
	defer h.Shutdown(context.Background())
	var written atomic.Int64
	waiting := addStream(h, Subscription{Client: "a"}, &written, false)
	other := addStream(h, Subscription{Client: "b"}, &written, false)
	defer other.Close(engine.CloseClientGone) // a stream replaying forever would hold Shutdown

	r, err := h.Publish(context.Background(), Message{Clients: []string{"a"}, Data: []byte("hello")})
	if err != nil || r.Streams != 1 {
		t.Fatalf("Publish: %v, %d connections; want 1", err, r.Streams)
	}
	frame := len(sse.AppendEvent(nil, r.ID, "", []byte("hello")))
	if m := h.Metrics(); m.QueuedBytes != int64(frame) || m.Clients != 2 {
		t.Errorf("QueuedBytes %d, Clients %d; want %d (one frame) and 2", m.QueuedBytes, m.Clients, frame)
	}
	if m := h.Metrics(); m.Deliveries != 1 {
		t.Errorf("Deliveries = %d, want 1", m.Deliveries)
	}
	waiting.Close(engine.CloseClientGone)
	if m := h.Metrics(); m.QueuedBytes != 0 || m.Clients != 1 {
		t.Errorf("QueuedBytes %d, Clients %d once the stream closed; want 0 and 1", m.QueuedBytes, m.Clients)
	}
}

// Metrics among 100,000 streams: the cost of a scrape, a pass over the
// registry taking each stream's lock for a moment (the queued bytes).
func BenchmarkMetrics(b *testing.B) {
	h, _ := hubWithSinks(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		if m := h.Metrics(); m.Clients != 100_000 {
			b.Fatalf("%d clients", m.Clients)
		}
	}
}
