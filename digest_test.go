package ssehub

import (
	"encoding/hex"
	"testing"
)

// The idempotency digest of fixed messages never changes: logs store it
// with each key (bolt on disk, Redis for the key window), and a retry
// after an upgrade must match it, not be refused with ErrKeyReused. These
// values are what the hub computed before the digest's encoding was fixed
// in idempotency.go (when it hashed Entry.MarshalBinary); bolt's and
// redis's tests check that keys stored with them still repeat.
func TestDigestGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		msgs []Message
		want string
	}{
		{"order", goldenOrder, "ccfba9ef1bc5d13307b72fb600d385ad008cd499680ed4caf93db65f69b75f17"},
		{"mixed", []Message{
			{Clients: []string{"alice", "bob"}, Topics: []string{"news"}, Type: "greeting", Data: []byte("hello")},
			{Clients: []string{"alice"}, Data: []byte("typing"), Ephemeral: true},
			{Broadcast: true},
		}, "b7ecd90055e776576af9d01234b43b1f961f623e0ee6e3d367a3bf57df71eb45"},
		{"broadcast", []Message{{Broadcast: true, Data: []byte("x")}}, "b7e0047cceedc17daf05e370436f48e1cfd8da6244206b391439955931f8397d"},
		{"300 bytes", []Message{{Topics: []string{"t"}, Type: "big", Data: make([]byte, 300)}}, "b41601341bc18f7e4d02c4905e4dec19f7a0636b8d9442d9e26577408d88a6cf"},
	} {
		d := digest(c.msgs)
		if got := hex.EncodeToString(d[:]); got != c.want {
			t.Errorf("digest of %s = %s, want %s: a retry after an upgrade would be refused as a reused key", c.name, got, c.want)
		}
	}
}

// goldenOrder is the messages of the "order" golden digest; the bolt and
// redis tests of keys stored before publish the same ones again.
var goldenOrder = []Message{
	{Clients: []string{"alice"}, Data: []byte("one")},
	{Clients: []string{"alice"}, Data: []byte("typing"), Ephemeral: true},
	{Clients: []string{"alice"}, Data: []byte("two")},
}

// The digest tells apart what a retry must not be confused with: another
// order, another ephemeral flag, a field's bytes moved to its neighbour.
func TestDigestDistinguishes(t *testing.T) {
	base := []Message{{Clients: []string{"ab"}, Data: []byte("c")}, {Broadcast: true, Data: []byte("d")}}
	for name, other := range map[string][]Message{
		"reordered":      {base[1], base[0]},
		"ephemeral":      {{Clients: []string{"ab"}, Data: []byte("c"), Ephemeral: true}, base[1]},
		"bytes moved":    {{Clients: []string{"a"}, Type: "b", Data: []byte("c")}, base[1]},
		"client a topic": {{Topics: []string{"ab"}, Data: []byte("c")}, base[1]},
		"fewer":          base[:1],
		"private":        {{Clients: []string{"ab"}, Data: []byte("c"), Private: true}, base[1]},
		"event id":       {{Clients: []string{"ab"}, Data: []byte("c"), EventID: "x"}, base[1]},
		"retry":          {{Clients: []string{"ab"}, Data: []byte("c"), Retry: 1000000}, base[1]},
	} {
		if digest(other) == digest(base) {
			t.Errorf("%s: same digest as the original messages", name)
		}
	}
}
