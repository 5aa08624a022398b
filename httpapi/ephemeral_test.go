package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
)

// "ephemeral": true (JSON) or ephemeral=true (form) publishes a live-only
// event: answered without an id, delivered without one, never replayed.
func TestPublishEphemeral(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	s := ts.openStream(t, "id=alice", nil)
	recorded := ts.publishJSON(t, `{"clients": ["alice"], "data": "recorded"}`)
	s.Expect(t, "recorded")

	for _, c := range []struct{ contentType, body string }{
		{"application/json", `{"clients": ["alice"], "ephemeral": true, "event": "typing", "data": "json"}`},
		{"application/x-www-form-urlencoded", url.Values{"client": {"alice"}, "ephemeral": {"true"}, "event": {"typing"}, "data": {"form"}}.Encode()},
	} {
		code, _, b := ts.do(t, http.MethodPost, "/publish", c.contentType, strings.NewReader(c.body))
		if code != http.StatusOK || strings.TrimSpace(string(b)) != `{"connections":1}` {
			t.Errorf("ephemeral publish (%s): %d %s, want 200 {\"connections\":1}", c.contentType, code, b)
		}
		if ev := s.Next(t); ev.Type != "typing" || ev.ID != recorded.ID {
			t.Errorf("ephemeral event arrived as %+v: want type typing and the last event id left at %s", ev, recorded.ID)
		}
	}

	code, _, b := ts.do(t, http.MethodPost, "/publish", "application/json",
		strings.NewReader(`[{"clients": ["alice"], "data": "a"}, {"clients": ["alice"], "ephemeral": true, "data": "b"}]`))
	var recs []map[string]any
	if code != http.StatusOK || json.Unmarshal(b, &recs) != nil || len(recs) != 2 || recs[0]["id"] == nil || recs[1]["id"] != nil {
		t.Errorf("batch with an ephemeral event: %d %s, want two receipts, only the first with an id", code, b)
	}
	s.Expect(t, "a", "b")

	again := ts.openStream(t, "id=alice", http.Header{"Last-Event-Id": {recorded.ID}})
	again.Expect(t, "a") // the recorded one only
	again.ExpectNone(t, 50e6)
}

func TestPublishEphemeralBadInput(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	for _, c := range []struct{ contentType, body, word string }{
		{"application/json", `{"broadcast": true, "ephemeral": "yes"}`, "ephemeral"},
		{"application/x-www-form-urlencoded", "broadcast=true&ephemeral=maybe", "ephemeral"},
		{"application/x-www-form-urlencoded", "broadcast=true&ephemeral=true&ephemeral=false", "ephemeral"},
	} {
		code, h, b := ts.do(t, http.MethodPost, "/publish", c.contentType, strings.NewReader(c.body))
		checkError(t, code, h, b, http.StatusBadRequest, c.word)
	}
}
