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

// A truncated encoding, one with bytes left over, of another version, or
// with a flag its version does not have is refused.
func TestUnmarshalEntryRefusesCorruption(t *testing.T) {
	b := store.MarshalEntry(&ssehub.Entry{Seq: 1, Time: time.Unix(0, 0), Message: ssehub.Message{Clients: []string{"a"}, Data: []byte("x")}})
	b2 := store.MarshalEntry(&ssehub.Entry{Seq: 1, Time: time.Unix(0, 0), Message: ssehub.Message{Topics: []string{"a"}, EventID: "e", Retry: 5}})
	withFlags := func(b []byte, flags byte) []byte {
		c := append([]byte(nil), b...)
		c[3] = flags // version, seq 1, time 0: the flags byte is the fourth
		return c
	}
	for name, bad := range map[string][]byte{
		"empty":           nil,
		"truncated":       b[:len(b)-1],
		"trailing":        append(append([]byte(nil), b...), 0),
		"version":         append([]byte{3}, b[1:]...),
		"v1 as v2":        append([]byte{2}, b[1:]...),
		"v2 as v1":        append([]byte{1}, b2[1:]...),
		"v2 truncated":    b2[:len(b2)-1],
		"v1 private flag": withFlags(b, 2),
		"v2 unknown flag": withFlags(b2, 4),
		"v1 unknown flag": withFlags(b, 0x80),
	} {
		var e ssehub.Entry
		if err := store.UnmarshalEntry(bad, &e); err == nil {
			t.Errorf("%s: decoded %+v, want an error", name, e)
		}
	}
}

// Version 2 carries what version 1 cannot: an entry with an EventID, the
// private flag or a retry encodes to exactly these bytes (pinned, since
// they are in files), and decodes back whole.
func TestEntryEncodingVersion2IsPinned(t *testing.T) {
	e := ssehub.Entry{Seq: 42, Time: time.Unix(0, 1700000000123456789), Message: ssehub.Message{
		Topics: []string{"news"}, Type: "chat", Data: []byte("hi"),
		EventID: "urn:uuid:1", Private: true, Retry: 1500 * time.Millisecond,
	}}
	const golden = "022aaab4aed8c7bfce972f0200" + "01046e657773" + "0463686174" + "026869" +
		"0a75726e3a757569643a31" + "80bcc1960b"
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
}

// Each field version 2 added, alone, selects version 2 and survives the
// round trip; an entry with none of them stays version 1, so that old
// programs read it.
func TestEntryVersionFollowsFields(t *testing.T) {
	for name, tc := range map[string]struct {
		m       ssehub.Message
		version byte
	}{
		"plain":    {ssehub.Message{Broadcast: true, Data: []byte("x")}, 1},
		"event id": {ssehub.Message{Topics: []string{"a"}, EventID: "id-1"}, 2},
		"private":  {ssehub.Message{Topics: []string{"a"}, Private: true}, 2},
		"retry":    {ssehub.Message{Broadcast: true, Retry: time.Second}, 2},
	} {
		e := ssehub.Entry{Seq: 7, Time: time.Unix(0, 99), Message: tc.m}
		b := store.MarshalEntry(&e)
		if b[0] != tc.version {
			t.Errorf("%s: version %d, want %d", name, b[0], tc.version)
		}
		back := ssehub.Entry{Message: ssehub.Message{EventID: "stale", Private: true, Retry: 1}}
		if err := store.UnmarshalEntry(b, &back); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(back.Message, e.Message) || back.Seq != e.Seq || !back.Time.Equal(e.Time) {
			t.Errorf("%s: decoded %+v, want %+v", name, back, e)
		}
	}
}
