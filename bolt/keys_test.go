package bolt

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

// orderMessages are the messages published under the key "order-17" in
// testdata/key-order-17.db: the "order" messages of the root package's
// golden digest test.
var orderMessages = []ssehub.Message{
	{Clients: []string{"alice"}, Data: []byte("one")},
	{Clients: []string{"alice"}, Data: []byte("typing"), Ephemeral: true},
	{Clients: []string{"alice"}, Data: []byte("two")},
}

// An idempotency key stored by an earlier version still repeats after an
// upgrade. testdata/key-order-17.db was written by the hub before the
// digest's encoding was fixed apart from the entry codec (it hashed
// Entry.MarshalBinary then): PublishOnce("order-17", orderMessages) got
// ids 1 and 2. The same publish now is answered as repeated with those
// ids, and the key with other messages is refused. The key window, 50
// years, reaches back to when the file was written (and not before 1970,
// which the keys bucket's times cannot hold).
func TestKeyStoredByAnEarlierVersionRepeats(t *testing.T) {
	fixture, err := os.ReadFile("testdata/key-order-17.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "log.db")
	if err := os.WriteFile(path, fixture, 0o600); err != nil {
		t.Fatal(err)
	}
	l := mustOpen(t, path, ssehub.Retention{KeyWindow: 50 * 365 * 24 * time.Hour})
	defer mustClose(t, l)
	hub := ssehub.New(ssehub.Config{Log: l, Heartbeat: -1})
	defer func() {
		if err := hub.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}()

	rs, err := hub.PublishOnce(t.Context(), "order-17", orderMessages)
	if err != nil {
		t.Fatalf("PublishOnce of the stored key's messages: %v, want them repeated", err)
	}
	want := []ssehub.Receipt{{ID: "1", Repeated: true}, {Repeated: true}, {ID: "2", Repeated: true}}
	if len(rs) != len(want) || rs[0] != want[0] || rs[1] != want[1] || rs[2] != want[2] {
		t.Errorf("PublishOnce of the stored key's messages = %+v, want %+v", rs, want)
	}
	if _, err := hub.PublishOnce(t.Context(), "order-17", orderMessages[:1]); !errors.Is(err, ssehub.ErrKeyReused) {
		t.Errorf("the stored key with other messages: %v, want ErrKeyReused", err)
	}
	head, _ := l.ReadAfter(t.Context(), 0, nil, func(*ssehub.Entry) error { return nil })
	if head != 2 {
		t.Errorf("head after the repeats = %d, want 2: nothing appended", head)
	}
}
