package ssehub_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// watchLog records the calls of a Subscription.Watch.
type watchLog struct {
	mu    sync.Mutex
	calls []bool
}

func (w *watchLog) watch(live bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, live)
}

func (w *watchLog) get() []bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.calls)
}

// A stream's selectors and payload show in presence, and its Watch hears
// true once it is live and false once it has ended, in every way a stream
// is served.
func TestAttachedPresenceAndWatch(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) { testAttached(t, m) })
	}
}

func testAttached(t *testing.T, m mode) {
	var w watchLog
	payload := json.RawMessage(`{"user":"alice"}`)
	hub := ssehub.New(ssehub.Config{Heartbeat: -1, KeepHandler: m.keepHandler})
	srv := newServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		hub.ServeStream(rw, r, ssehub.Subscription{
			Client: "urn:uuid:1", Topics: []string{"room"},
			Selectors: []string{"room", "https://example.com/books/{id}"}, Payload: payload, Watch: w.watch,
		})
	}), m)
	ssetest.ShutdownAtEnd(t, hub, srv)
	e := &env{hub: hub, srv: srv, client: srv.Client()}
	{
		s := e.open(t, "")
		ssetest.Eventually(t, "the stream announced live", func() bool { return slices.Equal(w.get(), []bool{true}) })
		infos, err := e.hub.Streams(context.Background(), "urn:uuid:1")
		if err != nil || len(infos) != 1 {
			t.Fatalf("Streams: %v, %v", infos, err)
		}
		if !slices.Equal(infos[0].Selectors, []string{"room", "https://example.com/books/{id}"}) || string(infos[0].Payload) != string(payload) {
			t.Fatalf("StreamInfo %+v: want the subscription's selectors and payload", infos[0])
		}
		got, _ := json.Marshal(infos[0])
		var back ssehub.StreamInfo
		if err := json.Unmarshal(got, &back); err != nil || string(back.Payload) != string(payload) || len(back.Selectors) != 2 {
			t.Fatalf("StreamInfo does not round-trip through JSON (as a Cluster shares it): %s", got)
		}
		s.Close()
		ssetest.Eventually(t, "the stream announced ended", func() bool { return slices.Equal(w.get(), []bool{true, false}) })
	}
}

// A plain stream's StreamInfo JSON is what it was: no selectors, no payload.
func TestStreamInfoWithoutAttachments(t *testing.T) {
	got, _ := json.Marshal(ssehub.StreamInfo{Topics: []string{}, Connected: time.Unix(0, 0).UTC()})
	if want := `{"topics":[],"connected":"1970-01-01T00:00:00Z"}`; string(got) != want {
		t.Fatalf("StreamInfo JSON %s, want %s", got, want)
	}
}

// A stream refused before it is live is never announced, and an invalid
// payload is refused with 400.
func TestWatchNotCalledForRefusedStream(t *testing.T) {
	hub := ssehub.New(ssehub.Config{Heartbeat: -1})
	var w watchLog
	srv := ssetest.Serve(t, hub, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		hub.ServeStream(rw, r, ssehub.Subscription{Client: "c", Payload: json.RawMessage(`{not json`), Watch: w.watch})
	}))
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400 for a payload that is not JSON", resp.StatusCode)
	}
	time.Sleep(50 * time.Millisecond) // an ended() goroutine would have run by now
	if calls := w.get(); len(calls) != 0 {
		t.Fatalf("Watch called %v for a refused stream", calls)
	}
}
