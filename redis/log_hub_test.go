package redis

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// Two hubs on one Redis log act as one: an event published on one reaches
// the streams of the other, and a client that resumes on the other node
// gets what it missed, by the same ids.
func TestHubsShareTheLog(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	a := env.startHub(t, prefix)
	b := env.startHub(t, prefix)

	s := ssetest.OpenRegistered(t, b.client, b.url+"/?id=alice", nil)
	first := publishTo(t, a.hub, ssehub.Message{Clients: []string{"alice"}, Data: []byte("hi")})
	if first.Streams != 0 {
		t.Errorf("receipt on A: %d connections, want 0 (alice's stream is on B)", first.Streams)
	}
	if ev := s.Next(t); ev.Data != "hi" || ev.ID != first.ID {
		t.Fatalf("alice's stream on B got %+v, want %q with id %s", ev, "hi", first.ID)
	}
	s.Close()

	missed := publishTo(t, b.hub, ssehub.Message{Clients: []string{"alice"}, Data: []byte("missed")})
	resumed := ssetest.OpenRegistered(t, a.client, a.url+"/?id=alice", http.Header{"Last-Event-ID": {first.ID}})
	if ev := resumed.Next(t); ev.Data != "missed" || ev.ID != missed.ID {
		t.Fatalf("alice resuming on A got %+v, want %q with id %s", ev, "missed", missed.ID)
	}
	live := publishTo(t, b.hub, ssehub.Message{Broadcast: true, Data: []byte("live")})
	if ev := resumed.Next(t); ev.Data != "live" || ev.ID != live.ID {
		t.Fatalf("alice on A got %+v, want the live broadcast %s from B", ev, live.ID)
	}
}

// A hubNode is a hub on a Redis log, served over HTTP.
type hubNode struct {
	hub    *ssehub.Hub
	url    string
	client *http.Client
}

func (e *logEnv) startHub(t *testing.T, prefix string) *hubNode {
	t.Helper()
	log, err := NewLog(context.Background(), e.client, LogOptions{Prefix: prefix, Logger: (&logRecorder{}).logger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() }) // after the hub's Shutdown: cleanups run last first
	hub := ssehub.New(ssehub.Config{Log: log, Heartbeat: -1})
	srv := ssetest.Serve(t, hub, hub)
	return &hubNode{hub: hub, url: srv.URL, client: srv.Client()}
}

func publishTo(t *testing.T, h *ssehub.Hub, m ssehub.Message) ssehub.Receipt {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := h.Publish(ctx, m)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return r
}
