package ssehub_test

import (
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

// An ephemeral event reaches the streams open now, once each, without an
// id, and is never replayed: a client's last event id keeps naming the last
// recorded event.
func TestEphemeralEvents(t *testing.T) {
	forEachMode(t, ssehub.Config{}, func(t *testing.T, e *env) {
		s := e.open(t, "id=alice&topic=x&topic=y")
		other := e.open(t, "id=bob")
		kept := e.publish(t, ssehub.Message{Clients: []string{"alice"}, Data: []byte("kept")})
		s.Expect(t, "kept")

		r := e.publish(t, ssehub.Message{
			Clients: []string{"alice", "alice"}, Topics: []string{"x", "y"},
			Type: "typing", Data: []byte("now"), Ephemeral: true,
		})
		if r.ID != "" || r.Streams != 1 {
			t.Errorf("ephemeral receipt %+v, want no id and 1 connection", r)
		}
		ev := s.Next(t)
		if ev.Type != "typing" || ev.Data != "now" || ev.ID != kept.ID {
			t.Errorf("ephemeral event arrived as %+v, want type typing, data now, and the last event id left at %s", ev, kept.ID)
		}
		s.ExpectNone(t, 50*time.Millisecond) // once, though it matched four ways
		other.ExpectNone(t, 10*time.Millisecond)

		after := e.publish(t, ssehub.Message{Clients: []string{"alice"}, Data: []byte("after")})
		s.Expect(t, "after")
		s.Close()
		again := e.open(t, "id=alice&topic=x&topic=y", "Last-Event-ID: "+kept.ID)
		if ev := again.Next(t); ev.ID != after.ID || ev.Data != "after" {
			t.Errorf("resuming from %s replayed %+v first, want only the recorded event %s", kept.ID, ev, after.ID)
		}
		again.ExpectNone(t, 50*time.Millisecond)
	})
}

// In a batch, ephemeral messages get receipts without ids in their places,
// and only the others are recorded, with consecutive ids.
func TestEphemeralInBatch(t *testing.T) {
	e := start(t, ssehub.Config{}, modes[0])
	s := e.open(t, "id=a")
	rs, err := e.hub.PublishBatch(t.Context(), []ssehub.Message{
		{Broadcast: true, Data: []byte("1")},
		{Broadcast: true, Data: []byte("live"), Ephemeral: true},
		{Broadcast: true, Data: []byte("2")},
	})
	if err != nil || len(rs) != 3 {
		t.Fatalf("PublishBatch = %v, %v; want 3 receipts", rs, err)
	}
	if rs[1].ID != "" || rs[1].Streams != 1 || mustSeq(t, rs[2].ID) != mustSeq(t, rs[0].ID)+1 {
		t.Errorf("receipts %+v: want the ephemeral one without an id, the others consecutive", rs)
	}
	got := map[string]bool{}
	for range 3 {
		got[s.Next(t).Data] = true
	}
	if !got["1"] || !got["live"] || !got["2"] {
		t.Errorf("stream got %v, want all three", got)
	}
}
