package client_test

import (
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/client"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// Presence as a page, every page in turn, and one client's streams; a kick
// ends a client's streams. Ids with characters a path must escape work.
func TestPresenceAndKick(t *testing.T) {
	const key = "a-publish-key-0123456789"
	h := startHub(t, ssehub.Config{}, httpapi.Config{PublishKeys: []string{key}})
	a1 := h.open(t, "id=alice&topic=room-1", nil)
	a2 := h.open(t, "id=alice", nil)
	h.open(t, "id=bob", nil)
	h.open(t, "id=team%2Fc+d%3F", nil) // "team/c d?"
	c := newClient(t, h.url, client.Options{PublishKey: key})
	ctx := bounded(t, 10*time.Second)

	p, err := c.Clients(ctx, 2, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []client.ClientCount{{ID: "alice", Connections: 2}, {ID: "bob", Connections: 1}}
	if !slices.Equal(p.Clients, want) || p.Next != "bob" || p.Connections != 4 || p.Nodes != 1 {
		t.Errorf("first page %+v, want %v, next bob, 4 connections, 1 node", p, want)
	}
	var all []client.ClientCount
	for cc, err := range c.AllClients(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, cc)
	}
	if want := append(want, client.ClientCount{ID: "team/c d?", Connections: 1}); !slices.Equal(all, want) {
		t.Errorf("AllClients: %v, want %v", all, want)
	}
	if _, err := c.Clients(ctx, client.MaxPage+1, ""); !errors.Is(err, client.ErrInvalid) {
		t.Errorf("a limit over MaxPage: %v, want ErrInvalid", err)
	}

	s, err := c.Client(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "alice" || s.Connections != 2 || len(s.Streams) != 2 || s.Streams[0].Connected.IsZero() {
		t.Errorf("alice's streams: %+v, want 2 with their times", s)
	}
	if s, err := c.Client(ctx, "team/c d?"); err != nil || s.Connections != 1 {
		t.Errorf(`Client("team/c d?"): %+v, %v; want 1 stream`, s, err)
	}
	if _, err := c.Client(ctx, "nobody"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("a client without streams: %v, want ErrNotFound", err)
	}

	ended, err := c.Kick(ctx, "alice")
	if err != nil || ended != 2 {
		t.Fatalf("Kick: %d, %v; want 2 ended", ended, err)
	}
	for i, s := range []*ssetest.Stream{a1, a2} {
		if _, err := s.Ended(t); err != io.EOF {
			t.Errorf("alice's stream %d after the kick: %v, want a clean end", i, err)
		}
	}
	if _, err := c.Client(ctx, "alice"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("alice after the kick: %v, want ErrNotFound", err)
	}
	if _, err := newClient(t, h.url, client.Options{}).Clients(ctx, 0, ""); !errors.Is(err, client.ErrUnauthorized) {
		t.Errorf("presence without the key: %v, want ErrUnauthorized", err)
	}
}
