package store_test

import (
	"slices"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/store"
)

// A target key's stored form is in the stores' files: it never changes, and
// ParseTargetKey reads back exactly what String wrote.
func TestTargetKeyStoredForm(t *testing.T) {
	for _, c := range []struct {
		key    store.TargetKey
		stored string
	}{
		{store.TargetKey{Kind: store.TargetBroadcast}, "*"},
		{store.TargetKey{Kind: store.TargetClient, Name: "alice"}, "calice"},
		{store.TargetKey{Kind: store.TargetTopic, Name: "news"}, "tnews"},
		{store.TargetKey{Kind: store.TargetTopic, Name: "ünïcode topic"}, "tünïcode topic"},
	} {
		if got := c.key.String(); got != c.stored {
			t.Errorf("%+v stored as %q, want %q", c.key, got, c.stored)
		}
		if got, ok := store.ParseTargetKey(c.stored); !ok || got != c.key {
			t.Errorf("store.ParseTargetKey(%q) = %+v, %v; want %+v", c.stored, got, ok, c.key)
		}
	}
	for _, bad := range []string{"", "*x", "x", "Calice", "m"} {
		if k, ok := store.ParseTargetKey(bad); ok {
			t.Errorf("store.ParseTargetKey(%q) = %+v, want refused", bad, k)
		}
	}
}

// A Mercure subscription's keys are its topics' and exact selectors':
// broadcasts and its client id do not reach it. With a template or "*" it
// may have lost any dropped entry.
func TestMercureSubscriptionKeys(t *testing.T) {
	sub := &ssehub.Subscription{Client: "c", Topics: []string{"t"}, Selectors: []string{"/a", "/b/{x}", "*"}}
	var got []string
	for k := range store.SubscriptionKeys(sub) {
		got = append(got, k.String())
	}
	if want := []string{"tt", "t/a"}; !slices.Equal(got, want) {
		t.Errorf("SubscriptionKeys = %q, want %q", got, want)
	}
	newest := func(k store.TargetKey) uint64 {
		if k.String() == "t/dropped" {
			return 5
		}
		return 0
	}
	exact := &ssehub.Subscription{Client: "c", Selectors: []string{"/a"}}
	if store.Lost(exact, 1, 0, 9, newest) {
		t.Error("an exact subscription lost an entry none of its topics had")
	}
	if !store.Lost(sub, 1, 0, 9, newest) {
		t.Error("a subscription with a template did not lose a dropped entry")
	}
	if !store.Lost(&ssehub.Subscription{Client: "c", Selectors: []string{"/dropped"}}, 1, 0, 9, newest) {
		t.Error("an exact subscription did not lose an entry of its topic")
	}
}
