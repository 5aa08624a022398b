package redis

import (
	"context"
	"net/http"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// mercureNode is a hub on a Redis log that serves, besides its own /
// streams, a Mercure subscription to every book at /books.
func (e *logEnv) mercureNode(t *testing.T, prefix string) *hubNode {
	t.Helper()
	log, err := NewLog(context.Background(), e.client, LogOptions{Prefix: prefix, Logger: (&logRecorder{}).logger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() }) // after the hub's Shutdown
	hub := ssehub.New(ssehub.Config{Log: log, Heartbeat: -1})
	mux := http.NewServeMux()
	mux.Handle("/", hub)
	mux.HandleFunc("/books", func(w http.ResponseWriter, r *http.Request) {
		hub.ServeStream(w, r, ssehub.Subscription{Client: "urn:uuid:subscriber", Selectors: []string{"https://example.com/books/{id}"}})
	})
	srv := ssetest.Serve(t, hub, mux)
	return &hubNode{hub: hub, url: srv.URL, client: srv.Client()}
}

// Updates published with event ids on one node are resumed by those ids on
// another, exactly, by a Mercure subscription and by an ssehub stream
// alike; "earliest" replays them all, and the id the stream shows is the
// publisher's.
func TestHubsResumeByEventID(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	a := env.mercureNode(t, prefix)
	b := env.mercureNode(t, prefix)
	ids := []string{"urn:uuid:1", "urn:uuid:2", "urn:uuid:3"}
	for _, id := range ids {
		publishTo(t, a.hub, ssehub.Message{Topics: []string{"https://example.com/books/1"}, Data: []byte("update " + id), EventID: id})
	}
	check := func(name string, s *ssetest.Stream, want []string) {
		t.Helper()
		for _, id := range want {
			if ev := s.Next(t); ev.ID != id || ev.Data != "update "+id {
				t.Fatalf("%s: got %+v, want the update with id %s", name, ev, id)
			}
		}
		s.Close()
	}
	check("Mercure after urn:uuid:1", ssetest.Open(t, b.client, b.url+"/books", http.Header{"Last-Event-ID": {ids[0]}}), ids[1:])
	check("Mercure earliest", ssetest.Open(t, b.client, b.url+"/books", http.Header{"Last-Event-ID": {"earliest"}}), ids)
	check("ssehub stream after urn:uuid:2", ssetest.Open(t, b.client, b.url+"/?id=alice&topic=https://example.com/books/1", http.Header{"Last-Event-ID": {ids[1]}}), ids[2:])
}
