package store_test

import (
	"testing"

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
