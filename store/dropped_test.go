package store_test

import (
	"fmt"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/store"
)

func TestDroppedIndex(t *testing.T) {
	var d store.DroppedIndex
	d.MaxKeys = 4
	drop := func(seq uint64, m ssehub.Message) { d.Drop(&ssehub.Entry{Seq: seq, Message: m}) }
	alice := &ssehub.Subscription{Client: "alice", Topics: []string{"news"}}
	if d.Lost(alice, 0) || d.Lost(nil, 0) {
		t.Fatal("an empty index reports a loss")
	}
	drop(1, ssehub.Message{Clients: []string{"bob"}})
	drop(2, ssehub.Message{Topics: []string{"news"}})
	for _, c := range []struct {
		sub   *ssehub.Subscription
		after uint64
		lost  bool
	}{
		{alice, 0, true}, {alice, 1, true}, {alice, 2, false},
		{&ssehub.Subscription{Client: "bob"}, 0, true}, {&ssehub.Subscription{Client: "bob"}, 1, false},
		{&ssehub.Subscription{Client: "carol"}, 0, false},
		{nil, 1, true}, {nil, 2, false},
	} {
		if got := d.Lost(c.sub, c.after); got != c.lost {
			t.Errorf("Lost(%+v, %d) = %v, want %v", c.sub, c.after, got, c.lost)
		}
	}
	drop(3, ssehub.Message{Broadcast: true})
	if !d.Lost(&ssehub.Subscription{Client: "carol"}, 2) {
		t.Error("a dropped broadcast is not a loss for everyone")
	}
	// Past MaxKeys the older half is forgotten and the floor rises.
	for i := range 10 {
		drop(uint64(10+i), ssehub.Message{Clients: []string{fmt.Sprintf("c%d", i)}})
	}
	if !d.Lost(&ssehub.Subscription{Client: "never-dropped"}, 5) {
		t.Error("a position older than the forgotten entries is not counted as lost")
	}
	if d.Lost(&ssehub.Subscription{Client: "never-dropped"}, 18) {
		t.Error("a recent position of a client that lost nothing is counted as lost")
	}
	if !d.Lost(&ssehub.Subscription{Client: "c9"}, 18) {
		t.Error("the newest drop is forgotten")
	}
}

// A stream with Selectors (URI templates, "*") may receive any topic: any
// dropped entry after its position counts as lost for it, even one whose
// topic is not among its Topics, rather than none.
func TestDroppedIndexSelectors(t *testing.T) {
	var d store.DroppedIndex
	d.Drop(&ssehub.Entry{Seq: 5, Message: ssehub.Message{Topics: []string{"https://example.com/books/1"}}})
	mercure := &ssehub.Subscription{Client: "urn:uuid:x", Selectors: []string{"https://example.com/books/{id}"}}
	if !d.Lost(mercure, 4) {
		t.Error("a dropped entry a template may match is not a loss for a stream with selectors")
	}
	if d.Lost(mercure, 5) {
		t.Error("a position after every dropped entry is counted as lost")
	}
	if !store.Lost(mercure, 4, 0, 5, func(store.TargetKey) uint64 { return 0 }) {
		t.Error("store.Lost: a dropped entry is not a loss for a stream with selectors")
	}
}
