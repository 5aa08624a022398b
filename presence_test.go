package ssehub

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/ssehub/ssehub/internal/engine"
)

// Paging through the clients in pages of any size lists each exactly once,
// in id order, with its stream count.
func TestClientPage(t *testing.T) {
	h := New(Config{Heartbeat: -1})
	defer h.Shutdown(t.Context())
	want := map[string]int{}
	for i := range 500 {
		id := fmt.Sprintf("c%d", (i*7919)%263) // some ids twice or more
		addStream(h, Subscription{Client: id}, new(atomic.Int64), true)
		want[id]++
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, limit := range []int{1, 7, 100, 262, 263, 1000} {
		var got []string
		after := ""
		for pages := 0; ; pages++ {
			page, more, _ := h.ClientPage(context.Background(), after, limit)
			if len(page) > limit || (more && len(page) != limit) || pages > len(want) {
				t.Fatalf("limit %d: a page of %d, more %v", limit, len(page), more)
			}
			for _, c := range page {
				if c.Streams != want[c.ID] {
					t.Fatalf("limit %d: %s has %d connections, want %d", limit, c.ID, c.Streams, want[c.ID])
				}
				got = append(got, c.ID)
			}
			if !more {
				break
			}
			after = page[len(page)-1].ID
		}
		if !slices.Equal(got, ids) {
			t.Fatalf("limit %d: listed %d ids, want %d in order", limit, len(got), len(ids))
		}
	}
	for _, id := range h.Clients() {
		for _, s := range h.engine.StreamsOf(id) {
			s.Close(engine.CloseClientGone)
		}
	}
}

// LastEventID names the newest entry, and none in an empty log.
func TestLastEventID(t *testing.T) {
	h := New(Config{Heartbeat: -1})
	defer h.Shutdown(t.Context())
	if id, ok, err := h.LastEventID(t.Context()); ok || err != nil {
		t.Fatalf("empty log: LastEventID %q, %v, %v; want none", id, ok, err)
	}
	for i := range 3 {
		r, err := h.Publish(t.Context(), Message{Topics: []string{"t"}, Data: []byte("x")})
		if err != nil {
			t.Fatal(err)
		}
		if id, ok, err := h.LastEventID(t.Context()); !ok || err != nil || id != r.ID {
			t.Fatalf("after publish %d: LastEventID %q, %v, %v; want %q", i, id, ok, err, r.ID)
		}
	}
}
