package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/recent"
	bbolt "go.etcd.io/bbolt"
)

func appendTo(t *testing.T, l *Log, client string) *ssehub.Entry {
	t.Helper()
	e, err := l.Append(context.Background(), &ssehub.Message{Clients: []string{client}, Data: []byte("to " + client)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// keyCount returns how many keys a bucket of l's file holds.
func keyCount(t *testing.T, l *Log, bucket []byte) int {
	t.Helper()
	var n int
	if err := l.db.View(func(tx *bbolt.Tx) error {
		n = tx.Bucket(bucket).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// readAs reads after `after` as a stream of client would.
func readAs(l *Log, client string, after uint64) error {
	_, err := l.ReadAfter(context.Background(), after, &ssehub.Subscription{Client: client}, func(*ssehub.Entry) error { return nil })
	return err
}

// What retention dropped, and for whom, survives a restart.
func TestDroppedTargetsSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	l := mustOpen(t, path, ssehub.Retention{MaxEntries: 3})
	alice := appendTo(t, l, "alice")
	for range 5 {
		appendTo(t, l, "bob")
	}
	mustClose(t, l)

	l = mustOpen(t, path, ssehub.Retention{MaxEntries: 3})
	defer mustClose(t, l)
	if err := readAs(l, "alice", alice.Seq); err != nil {
		t.Errorf("alice resuming after her own event, after a restart: %v, want no error (only bob's were dropped)", err)
	}
	if err := readAs(l, "alice", alice.Seq-1); !errors.Is(err, ssehub.ErrNotRetained) {
		t.Errorf("alice resuming before her dropped event: %v, want ErrNotRetained", err)
	}
	if err := readAs(l, "bob", alice.Seq); !errors.Is(err, ssehub.ErrNotRetained) {
		t.Errorf("bob resuming before his dropped events: %v, want ErrNotRetained", err)
	}
}

// The index of dropped targets stays bounded: past its size it forgets the
// older half and counts every position older than what it forgot as lost.
func TestDroppedTargetsBounded(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log.db"), ssehub.Retention{MaxEntries: 1})
	defer mustClose(t, l)
	l.maxDropped = 4
	var es []*ssehub.Entry
	for i := range 12 {
		es = append(es, appendTo(t, l, fmt.Sprintf("c%d", i)))
	}
	if keys := keyCount(t, l, droppedBucket); keys > 5 { // 4, plus the one that made it forget
		t.Errorf("dropped index holds %d keys, want at most 5 with a bound of 4", keys)
	}
	// c0's entry was forgotten long ago: any position before the floor is lost,
	// even for a client that never had an entry.
	if err := readAs(l, "nobody", es[0].Seq); !errors.Is(err, ssehub.ErrNotRetained) {
		t.Errorf("position before the floor: %v, want ErrNotRetained", err)
	}
	// The newest drops are still known per client.
	if err := readAs(l, "nobody", es[10].Seq-1); err != nil {
		t.Errorf("recent position of a client that lost nothing: %v, want no error", err)
	}
}

// Entries that age retention no longer keeps are deleted even while no one
// publishes, so that they do not pile up.
func TestIdleExpiry(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log.db"), ssehub.Retention{MaxAge: 100 * time.Millisecond})
	defer mustClose(t, l)
	for range 5 {
		mustAppend(t, l, "soon old")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := keyCount(t, l, entriesBucket)
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d expired entries still stored 5s after they expired, with no append", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A file of format version 1 (no index of dropped targets) is upgraded on
// Open: positions before its oldest entry count as lost for everyone, later
// ones resume as before, and byte retention knows the stored size.
func TestUpgradeFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	l := mustOpen(t, path, ssehub.Retention{MaxEntries: 3})
	var es []*ssehub.Entry
	for i := range 6 {
		es = append(es, appendTo(t, l, fmt.Sprintf("c%d", i)))
	}
	mustClose(t, l)
	downgrade(t, path)

	l = mustOpen(t, path, ssehub.Retention{MaxEntries: 3})
	defer mustClose(t, l)
	if err := readAs(l, "c5", es[1].Seq); !errors.Is(err, ssehub.ErrNotRetained) {
		t.Errorf("position before the oldest entry of an upgraded file: %v, want ErrNotRetained", err)
	}
	if err := readAs(l, "c5", es[2].Seq); err != nil {
		t.Errorf("position just before the oldest entry of an upgraded file: %v, want no error", err)
	}
	var total, want uint64
	for _, e := range es[3:] {
		want += uint64(e.Size())
	}
	if err := l.db.View(func(tx *bbolt.Tx) error {
		total = getUint(tx.Bucket(metaBucket), bytesKey)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if total != want {
		t.Errorf("stored size after the upgrade %d, want %d", total, want)
	}
	if e := appendTo(t, l, "c6"); e.Seq != es[5].Seq+1 {
		t.Errorf("Append after the upgrade: Seq %d, want %d", e.Seq, es[5].Seq+1)
	}
}

// downgrade turns a log file into what version 1 wrote.
func downgrade(t *testing.T, path string) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bbolt.Tx) error {
		if err := tx.DeleteBucket(droppedBucket); err != nil {
			return err
		}
		meta := tx.Bucket(metaBucket)
		for _, k := range []string{dropFloorKey, dropAnyKey, dropCountKey, string(bytesKey)} {
			if err := meta.Delete([]byte(k)); err != nil {
				return err
			}
		}
		return meta.Put(versionKey, seqKey(1))
	}); err != nil {
		t.Fatal(err)
	}
}

// A replay that starts in the file and ends among the recent entries kept in
// memory comes back whole, in order, once each.
func TestReadAcrossFileAndMemory(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log.db"), ssehub.Retention{})
	defer mustClose(t, l)
	l.recent = recent.New(10)
	var want []uint64
	for i := range 25 {
		want = append(want, mustAppend(t, l, fmt.Sprint(i)).Seq)
	}
	for _, after := range []uint64{0, 14, 15, 16, 24} {
		head, es := readAll(t, l, after)
		var got []uint64
		for _, e := range es {
			got = append(got, e.Seq)
		}
		if head != 25 || fmt.Sprint(got) != fmt.Sprint(want[after:]) {
			t.Errorf("ReadAfter(%d): head %d, %v; want 25, %v", after, head, got, want[after:])
		}
	}
}

// Idempotency keys are stored with their entries: after a restart a
// retried publish still appends nothing.
func TestKeysSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	l := mustOpen(t, path, ssehub.Retention{})
	es, _, err := l.AppendOnce(context.Background(), "retry-me", [32]byte{9}, []*ssehub.Message{broadcast("once")}, nil)
	if err != nil || len(es) != 1 {
		t.Fatalf("AppendOnce: %d entries, %v", len(es), err)
	}
	mustClose(t, l)
	l = mustOpen(t, path, ssehub.Retention{})
	defer mustClose(t, l)
	again, earlier, err := l.AppendOnce(context.Background(), "retry-me", [32]byte{9}, []*ssehub.Message{broadcast("once")}, nil)
	if err != nil || len(again) != 0 || len(earlier) != 1 || earlier[0] != es[0].Seq {
		t.Fatalf("after reopening: %d entries, earlier %v, %v; want none and [%d]", len(again), earlier, err, es[0].Seq)
	}
	if head, _ := readAll(t, l, 0); head != es[0].Seq {
		t.Errorf("head %d after the retry, want %d", head, es[0].Seq)
	}
}
