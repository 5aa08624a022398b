package mercure_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/mercure"
)

// A publisher's id that is a decimal number is refused: the hub's own ids
// (of events published without one, and of every stream's prologue and
// heartbeats) are decimal numbers, and a client resuming from the hub's
// "5" must not land after a publisher's "5" instead, skipping what came
// between (a publisher of one topic could otherwise make every stream
// that resumes skip the updates of all the others).
func TestPublishNumericIDRefused(t *testing.T) {
	h := newTestHub(t, mercure.Config{})
	ctx := context.Background()
	// An event of the hub's own API: its id is its sequence number.
	r, err := h.hub.Publish(ctx, ssehub.Message{Topics: []string{"a"}, Data: []byte("native")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := strconv.ParseUint(r.ID, 10, 64); err != nil {
		t.Fatalf("native event's id %q is not a number", r.ID)
	}
	pub := "Bearer " + publisher(t)
	if got := h.post(t, form("topic", "a", "data", "between"), "Authorization", pub); got.status != 200 {
		t.Fatalf("publish: %+v", got)
	}
	for _, id := range []string{r.ID, "0" + r.ID, "18446744073709551615"} {
		got := h.post(t, form("topic", "b", "data", "collides", "id", id), "Authorization", pub)
		if got.status != http.StatusBadRequest {
			t.Fatalf("publish with id %q: %+v, want 400", id, got)
		}
	}
	// Resuming from the native event's id replays what followed it.
	sub := "Bearer " + token(t, subKey, map[string]any{"subscribe": []string{"*"}})
	s := ssetest.Open(t, h.srv.Client(), h.srv.URL+mercure.Path+"?topic=*",
		http.Header{"Authorization": {sub}, "Last-Event-Id": {r.ID}})
	defer s.Close()
	s.Expect(t, "between")
}

// A publisher's id that a retained update has already is refused with 409:
// a Last-Event-ID must name one event. Resuming after a repeated id went
// on after its newest copy, so a client that had seen the first one
// skipped everything between (and a publisher of one topic could repeat
// another topic's id to make its subscribers skip).
func TestPublishRepeatedIDRefused(t *testing.T) {
	h := newTestHub(t, mercure.Config{})
	pub := "Bearer " + publisher(t)
	for _, f := range []string{
		form("topic", "a", "data", "first", "id", "urn:x:1"),
		form("topic", "b", "data", "between"),
	} {
		if got := h.post(t, f, "Authorization", pub); got.status != 200 {
			t.Fatalf("publish: %+v", got)
		}
	}
	got := h.post(t, form("topic", "c", "data", "again", "id", "urn:x:1"), "Authorization", pub)
	if got.status != http.StatusConflict {
		t.Fatalf("publish with a retained id: %+v, want 409", got)
	}
	sub := "Bearer " + token(t, subKey, map[string]any{"subscribe": []string{"*"}})
	s := ssetest.Open(t, h.srv.Client(), h.srv.URL+mercure.Path+"?topic=*",
		http.Header{"Authorization": {sub}, "Last-Event-Id": {"urn:x:1"}})
	defer s.Close()
	s.Expect(t, "between")
}
