package ssehub_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

// PublishOnce publishes once per key, on every store; a retry gets the
// first call's ids, marked repeated, and nothing reaches the streams twice.
func TestPublishOnce(t *testing.T) {
	forEachStore(t, ssehub.Retention{}, func(t *testing.T, log ssehub.Log) {
		e := start(t, ssehub.Config{Log: log}, modes[0])
		s := e.open(t, "id=alice")
		msgs := []ssehub.Message{
			{Clients: []string{"alice"}, Data: []byte("one")},
			{Clients: []string{"alice"}, Data: []byte("typing"), Ephemeral: true},
			{Clients: []string{"alice"}, Data: []byte("two")},
		}
		first, err := e.hub.PublishOnce(t.Context(), "order-17", msgs)
		if err != nil || len(first) != 3 || first[0].ID == "" || first[1].ID != "" || first[0].Streams != 1 || first[0].Repeated {
			t.Fatalf("first PublishOnce: %+v, %v", first, err)
		}
		s.Expect(t, "one")
		got := map[string]bool{s.Next(t).Data: true, s.Next(t).Data: true}
		if !got["typing"] || !got["two"] {
			t.Fatalf("stream got %v, want typing and two", got)
		}
		again, err := e.hub.PublishOnce(t.Context(), "order-17", msgs)
		if err != nil || len(again) != 3 || again[0].ID != first[0].ID || again[2].ID != first[2].ID || again[1].ID != "" || !again[0].Repeated {
			t.Fatalf("retry: %+v, %v; want the first ids, repeated", again, err)
		}
		s.ExpectNone(t, 50*time.Millisecond)
		if _, err := e.hub.PublishOnce(t.Context(), "order-17", msgs[:1]); !errors.Is(err, ssehub.ErrKeyReused) {
			t.Errorf("the key with other messages: %v, want ErrKeyReused", err)
		}
		for _, bad := range []string{"", "with space", string(make([]byte, ssehub.MaxKeyLen+1))} {
			if _, err := e.hub.PublishOnce(t.Context(), bad, msgs); !errors.Is(err, ssehub.ErrInvalid) {
				t.Errorf("key %.20q: %v, want ErrInvalid", bad, err)
			}
		}
	})
}
