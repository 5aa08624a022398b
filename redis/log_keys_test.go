package redis

import (
	"context"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/ssehub/ssehub"
)

// An idempotency key stored by an earlier version still repeats after an
// upgrade. A node of that version stored the key "order-17" with the
// digest it computed for these messages (when it hashed
// Entry.MarshalBinary: the root package's golden digest "order" pins the
// value); a node of this version, on the same log, answers the same
// publish as repeated, with the ids the first got, and refuses the key
// with other messages.
func TestKeyStoredByAnEarlierVersionRepeats(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	msgs := []ssehub.Message{
		{Clients: []string{"alice"}, Data: []byte("one")},
		{Clients: []string{"alice"}, Data: []byte("typing"), Ephemeral: true},
		{Clients: []string{"alice"}, Data: []byte("two")},
	}
	var stored [32]byte
	if _, err := hex.Decode(stored[:], []byte("ccfba9ef1bc5d13307b72fb600d385ad008cd499680ed4caf93db65f69b75f17")); err != nil {
		t.Fatal(err)
	}
	earlier, _ := env.open(t, prefix, ssehub.Retention{})
	es, _, err := earlier.AppendOnce(context.Background(), "order-17", stored, []*ssehub.Message{&msgs[0], nil, &msgs[2]}, nil)
	if err != nil || len(es) != 2 {
		t.Fatalf("storing the key as an earlier version did: %d entries, %v", len(es), err)
	}

	upgraded := env.startHub(t, prefix)
	rs, err := upgraded.hub.PublishOnce(t.Context(), "order-17", msgs)
	if err != nil {
		t.Fatalf("PublishOnce of the stored key's messages: %v, want them repeated", err)
	}
	want := []ssehub.Receipt{{ID: es[0].ID(), Repeated: true}, {Repeated: true}, {ID: es[1].ID(), Repeated: true}}
	if len(rs) != len(want) || rs[0] != want[0] || rs[1] != want[1] || rs[2] != want[2] {
		t.Errorf("PublishOnce of the stored key's messages = %+v, want %+v", rs, want)
	}
	if _, err := upgraded.hub.PublishOnce(t.Context(), "order-17", msgs[:1]); !errors.Is(err, ssehub.ErrKeyReused) {
		t.Errorf("the stored key with other messages: %v, want ErrKeyReused", err)
	}
}
