package bolt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/recent"
	bbolt "go.etcd.io/bbolt"
)

// appendID appends a message to topic "t" with EventID id.
func appendID(t testing.TB, l *Log, id string) *ssehub.Entry {
	t.Helper()
	e, err := l.Append(context.Background(), &ssehub.Message{Topics: []string{"t"}, Data: []byte("data of " + id), EventID: id}, 0)
	if err != nil {
		t.Fatalf("Append %q: %v", id, err)
	}
	return e
}

// wantSeqOf checks what SeqOf(id) finds.
func wantSeqOf(t testing.TB, l *Log, id string, seq uint64, found bool) {
	t.Helper()
	got, ok, err := l.SeqOf(context.Background(), id)
	if err != nil || got != seq || ok != found {
		t.Errorf("SeqOf(%q) = %d, %v, %v; want %d, %v, nil", id, got, ok, err, seq, found)
	}
}

// The index finds every stored entry by its event id, the newest when an id
// was used twice; it forgets an id when retention deletes its entry, but
// not when a newer entry still holds it; and it survives a restart.
func TestSeqOf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	r := ssehub.Retention{MaxEntries: 3}
	l := mustOpen(t, path, r)
	a := appendID(t, l, "a")
	b := appendID(t, l, "b")
	mustAppend(t, l, "no id")
	a2 := appendID(t, l, "a") // takes "a" over; entry a is dropped
	wantSeqOf(t, l, "a", a2.Seq, true)
	wantSeqOf(t, l, "b", b.Seq, true)
	wantSeqOf(t, l, "never", 0, false)
	wantSeqOf(t, l, "", 0, false)
	if a.Seq >= b.Seq {
		t.Fatalf("seqs %d, %d", a.Seq, b.Seq)
	}
	mustAppend(t, l, "drops b")
	wantSeqOf(t, l, "b", 0, false)
	if n := keyCount(t, l, eventIDsBucket); n != 1 {
		t.Errorf("index holds %d ids, want 1 (only a's newest entry is stored)", n)
	}
	mustClose(t, l)

	l = mustOpen(t, path, r)
	defer mustClose(t, l)
	wantSeqOf(t, l, "a", a2.Seq, true)
	wantSeqOf(t, l, "b", 0, false)
	mustAppend(t, l, "x")
	mustAppend(t, l, "y")
	mustAppend(t, l, "drops a2")
	wantSeqOf(t, l, "a", 0, false)
	if n := keyCount(t, l, eventIDsBucket); n != 0 {
		t.Errorf("index holds %d ids after every entry with one was dropped, want 0", n)
	}
}

// An entry that age retention no longer keeps is not found, even before a
// commit deletes it.
func TestSeqOfExpired(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log.db"), ssehub.Retention{MaxAge: time.Hour})
	defer mustClose(t, l)
	e := appendID(t, l, "old")
	wantSeqOf(t, l, "old", e.Seq, true)
	l.ret.MaxAge = time.Nanosecond // as a restart with a shorter MaxAge would
	time.Sleep(time.Millisecond)
	wantSeqOf(t, l, "old", 0, false)
}

// The fields Mercure adds come back from the file, after a restart, and
// from memory alike.
func TestMercureFieldsStored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	l := mustOpen(t, path, ssehub.Retention{})
	want := []ssehub.Message{
		{Topics: []string{"https://example.com/books/1"}, Data: []byte("private"), EventID: "urn:uuid:6f3d1f2e-0000-4000-8000-000000000001", Private: true, Retry: 2500 * time.Millisecond},
		{Topics: []string{"t"}, Data: []byte("retry only"), Retry: time.Second},
		{Broadcast: true, Data: []byte("plain")},
	}
	msgs := make([]*ssehub.Message, len(want))
	for i := range want {
		m := want[i]
		msgs[i] = &m
	}
	if _, err := l.AppendBatch(context.Background(), msgs, nil); err != nil {
		t.Fatal(err)
	}
	check := func(how string, l *Log) {
		t.Helper()
		_, es := readAll(t, l, 0)
		if len(es) != len(want) {
			t.Fatalf("%s: %d entries, want %d", how, len(es), len(want))
		}
		for i, e := range es {
			if !reflect.DeepEqual(e.Message, want[i]) {
				t.Errorf("%s: entry %d = %+v, want %+v", how, i, e.Message, want[i])
			}
		}
	}
	check("from memory", l)
	l.recent = recent.New(1)
	check("from the file", l)
	mustClose(t, l)
	l = mustOpen(t, path, ssehub.Retention{})
	defer mustClose(t, l)
	check("after a restart", l)
	wantSeqOf(t, l, want[0].EventID, 1, true)
}

// A transaction that fails leaves no event id behind: the id is written
// with its entry or not at all.
func TestSeqOfFailedTransaction(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log.db"), ssehub.Retention{})
	defer mustClose(t, l)
	boom := errors.New("boom")
	l.failTx = func() error { return boom }
	if _, err := l.Append(context.Background(), &ssehub.Message{Topics: []string{"t"}, EventID: "lost"}, 0); !errors.Is(err, boom) {
		t.Fatalf("Append in a failing transaction: %v, want %v", err, boom)
	}
	l.failTx = nil
	wantSeqOf(t, l, "lost", 0, false)
	e := appendID(t, l, "kept")
	wantSeqOf(t, l, "kept", e.Seq, true)
}

// formatOf returns the format version in l's file.
func formatOf(t *testing.T, l *Log) uint64 {
	t.Helper()
	var version uint64
	if err := l.db.View(func(tx *bbolt.Tx) error {
		version = getUint(tx.Bucket(metaBucket), versionKey)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return version
}

// A file written by the previous release (format 2, entries in codec
// version 1: testdata/main-format2.db, written by main at 14edb08 with
// MaxEntries 4 after six appends) opens, reads back as it was written,
// stays version 2 (readable by that release) while it takes plain
// entries, and becomes version 3 with its first entry with an event id; a
// program of the previous release would then refuse it at Open.
func TestOpenFileOfFormat2(t *testing.T) {
	fixture, err := os.ReadFile("testdata/main-format2.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "log.db")
	if err := os.WriteFile(path, fixture, 0o600); err != nil {
		t.Fatal(err)
	}
	r := ssehub.Retention{MaxEntries: 4}
	l := mustOpen(t, path, r)
	want := []ssehub.Message{
		{Clients: []string{"bob"}, Topics: []string{"news", "sport"}, Data: []byte("three")},
		{Broadcast: true, Type: "tick", Data: []byte("four")},
		{Topics: []string{"sport"}, Data: []byte("five")},
	}
	head, es := readAll(t, l, 3)
	if head != 6 || len(es) != len(want) {
		t.Fatalf("ReadAfter(3) of the old file: head %d, %d entries; want 6, %d", head, len(es), len(want))
	}
	for i, e := range es {
		if e.Seq != uint64(4+i) || !reflect.DeepEqual(e.Message, want[i]) {
			t.Errorf("entry %d = %+v, want seq %d, %+v", i, e, 4+i, want[i])
		}
	}
	if err := readAs(l, "alice", 1); !errors.Is(err, ssehub.ErrNotRetained) {
		t.Errorf("alice after 1 (her entry 2 was dropped): %v, want ErrNotRetained", err)
	}
	wantSeqOf(t, l, "4", 0, false) // a seq is not an event id
	if e := mustAppend(t, l, "plain"); e.Seq != 7 {
		t.Errorf("first append to the old file: seq %d, want 7", e.Seq)
	}
	if v := formatOf(t, l); v != 2 {
		t.Errorf("format version after a plain append: %d, want 2", v)
	}
	e := appendID(t, l, "new")
	if e.Seq != 8 {
		t.Errorf("append with an id to the old file: seq %d, want 8", e.Seq)
	}
	if v := formatOf(t, l); v != 3 {
		t.Errorf("format version after an append with an id: %d, want 3", v)
	}
	mustClose(t, l)

	l = mustOpen(t, path, r)
	defer mustClose(t, l)
	wantSeqOf(t, l, "new", 8, true)
	wantSeqOf(t, l, "plain", 0, false)
}

// A new log is version 2 while its entries have none of the fields codec
// version 2 added, and becomes version 3 in the commit that stores the
// first entry with one (here Private, without an id); a failed commit
// leaves it version 2.
func TestFormatFollowsEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	l := mustOpen(t, path, ssehub.Retention{})
	defer mustClose(t, l)
	mustAppend(t, l, "plain")
	wantSeqOf(t, l, "x", 0, false)
	if v := formatOf(t, l); v != 2 {
		t.Fatalf("format version of a new log with a plain entry: %d, want 2", v)
	}
	private := &ssehub.Message{Topics: []string{"t"}, Private: true}
	boom := errors.New("boom")
	l.failTx = func() error { return boom }
	if _, err := l.Append(context.Background(), private, 0); !errors.Is(err, boom) {
		t.Fatalf("Append in a failing transaction: %v, want %v", err, boom)
	}
	l.failTx = nil
	if v := formatOf(t, l); v != 2 {
		t.Fatalf("format version after a failed commit: %d, want 2", v)
	}
	if _, err := l.Append(context.Background(), private, 0); err != nil {
		t.Fatal(err)
	}
	if v := formatOf(t, l); v != 3 {
		t.Errorf("format version after a private entry: %d, want 3", v)
	}
}

// A file of version 3 without its index is corrupt: Open says so.
func TestOpenWithoutEventIDs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	l := mustOpen(t, path, ssehub.Retention{})
	appendID(t, l, "x")
	mustClose(t, l)
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(eventIDsBucket) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	wantOpenError(t, path, fmt.Sprintf("no %q bucket", eventIDsBucket))
}

// SeqOf after Close fails with ErrClosed.
func TestSeqOfAfterClose(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log.db"), ssehub.Retention{})
	mustClose(t, l)
	if _, _, err := l.SeqOf(context.Background(), "x"); !errors.Is(err, ssehub.ErrClosed) {
		t.Errorf("SeqOf after Close: %v, want ErrClosed", err)
	}
}

// Any id a publisher may choose is found as given: spaces, Unicode, one
// that looks like a sequence number (it names its entry, not that seq).
func TestSeqOfAnyID(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log.db"), ssehub.Retention{})
	defer mustClose(t, l)
	mustAppend(t, l, "seq 1")
	mustAppend(t, l, "seq 2")
	for _, id := range []string{"1", "id with spaces", "ünïcødé ✓", "urn:uuid:0b3f7a5e-1111-4222-8333-444455556666", "https://example.com/books/1#frag"} {
		e := appendID(t, l, id)
		wantSeqOf(t, l, id, e.Seq, true)
	}
	wantSeqOf(t, l, "2", 0, false)
}

// Resuming by event id is exact, from the file and from memory: for every
// id, ReadAfter(SeqOf(id)) reads exactly the entries after its entry.
func TestResumeByEventID(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log.db"), ssehub.Retention{})
	defer mustClose(t, l)
	var es []*ssehub.Entry
	for i := range 5 {
		es = append(es, appendID(t, l, fmt.Sprint("urn:uuid:", i)))
		mustAppend(t, l, "between") // a broadcast the topic's stream gets too
	}
	for _, cache := range []string{"memory", "file"} {
		if cache == "file" {
			l.recent = recent.New(1)
		}
		for _, e := range es {
			seq, found, err := l.SeqOf(context.Background(), e.EventID)
			if err != nil || !found || seq != e.Seq {
				t.Fatalf("SeqOf(%q) = %d, %v, %v; want %d", e.EventID, seq, found, err, e.Seq)
			}
			head, all := readAll(t, l, seq)
			var got, want []uint64
			for _, x := range all {
				got = append(got, x.Seq)
			}
			for s := seq + 1; s <= head; s++ {
				want = append(want, s)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("from %s: resumed after %q (seq %d): %v, want %v", cache, e.EventID, seq, got, want)
			}
		}
	}
}
