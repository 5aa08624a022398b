package bolt

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// Updates published with event ids before a restart are resumed by those
// ids after it, exactly, by a Mercure subscription and an ssehub stream
// alike, and "earliest" replays the retained ones (MaxEntries 3 of 4).
func TestHubResumesByEventIDAfterRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	r := ssehub.Retention{MaxEntries: 3}
	ids := []string{"urn:uuid:1", "urn:uuid:2", "urn:uuid:3", "urn:uuid:4"}
	l := mustOpen(t, path, r)
	hub := ssehub.New(ssehub.Config{Log: l, Heartbeat: -1})
	for _, id := range ids {
		if _, err := hub.Publish(t.Context(), ssehub.Message{Topics: []string{"https://example.com/books/1"}, Data: []byte("update " + id), EventID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if err := hub.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	mustClose(t, l)

	l = mustOpen(t, path, r)
	t.Cleanup(func() { mustClose(t, l) }) // after the hub's Shutdown
	hub = ssehub.New(ssehub.Config{Log: l, Heartbeat: -1})
	mux := http.NewServeMux()
	mux.Handle("/", hub)
	mux.HandleFunc("/books", func(w http.ResponseWriter, r *http.Request) {
		hub.ServeStream(w, r, ssehub.Subscription{Client: "urn:uuid:subscriber", Selectors: []string{"https://example.com/books/{id}"}})
	})
	srv := ssetest.Serve(t, hub, mux)
	check := func(name string, s *ssetest.Stream, want []string) {
		t.Helper()
		for _, id := range want {
			if ev := s.Next(t); ev.ID != id || ev.Data != "update "+id {
				t.Fatalf("%s: got %+v, want the update with id %s", name, ev, id)
			}
		}
		s.Close()
	}
	get := func(url, last string) *ssetest.Stream {
		return ssetest.Open(t, srv.Client(), srv.URL+url, http.Header{"Last-Event-ID": {last}})
	}
	check("Mercure after urn:uuid:2", get("/books", ids[1]), ids[2:])
	check("Mercure earliest", get("/books", "earliest"), ids[1:])
	check("ssehub stream after urn:uuid:3", get("/?id=alice&topic=https://example.com/books/1", ids[2]), ids[3:])
	if _, found, err := l.SeqOf(context.Background(), ids[0]); err != nil || found {
		t.Errorf("SeqOf of the update retention dropped: found %v, %v", found, err)
	}
}
