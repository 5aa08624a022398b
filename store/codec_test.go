package store_test

import (
	"encoding/hex"
	"reflect"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/store"
)

// The encoding is in the files of existing bolt logs: this fixed entry
// encodes to exactly these bytes (as Entry.MarshalBinary wrote them before
// the codec moved here), and they decode back to the same entry.
func TestEntryEncodingIsPinned(t *testing.T) {
	e := ssehub.Entry{Seq: 42, Time: time.Unix(0, 1700000000123456789), Message: ssehub.Message{
		Clients: []string{"alice", "bob"}, Topics: []string{"news"}, Broadcast: true, Type: "chat", Data: []byte("hi"),
	}}
	const golden = "012aaab4aed8c7bfce972f010205616c69636503626f6201046e6577730463686174026869"
	b := store.MarshalEntry(&e)
	if got := hex.EncodeToString(b); got != golden {
		t.Fatalf("encoded as %s, want %s", got, golden)
	}
	var back ssehub.Entry
	if err := store.UnmarshalEntry(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Time.Equal(e.Time) || !reflect.DeepEqual(back.Message, e.Message) || back.Seq != e.Seq {
		t.Fatalf("decoded %+v, want %+v", back, e)
	}
	b[len(b)-1] = 'X' // the decoded entry owns its memory
	if string(back.Data) != "hi" {
		t.Fatalf("decoded data changed with the buffer: %q", back.Data)
	}
}

// A truncated encoding, one with bytes left over, or of another version is
// refused.
func TestUnmarshalEntryRefusesCorruption(t *testing.T) {
	b := store.MarshalEntry(&ssehub.Entry{Seq: 1, Message: ssehub.Message{Clients: []string{"a"}, Data: []byte("x")}})
	for name, bad := range map[string][]byte{
		"empty":     nil,
		"truncated": b[:len(b)-1],
		"trailing":  append(append([]byte(nil), b...), 0),
		"version":   append([]byte{2}, b[1:]...),
	} {
		var e ssehub.Entry
		if err := store.UnmarshalEntry(bad, &e); err == nil {
			t.Errorf("%s: decoded %+v, want an error", name, e)
		}
	}
}
