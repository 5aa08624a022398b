package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

// wantOldest checks Oldest, and that ReadAfter from it reads every
// retained entry (want: their seqs) for a Mercure stream of every topic.
func wantOldest(t *testing.T, l *Log, oldest uint64, want []uint64) {
	t.Helper()
	got, err := l.Oldest(context.Background())
	if err != nil || got != oldest {
		t.Fatalf("Oldest = %d, %v; want %d", got, err, oldest)
	}
	var seqs []uint64
	sub := &ssehub.Subscription{Client: "urn:uuid:x", Selectors: []string{"*"}}
	if _, err := l.ReadAfter(context.Background(), got, sub, func(e *ssehub.Entry) error {
		seqs = append(seqs, e.Seq)
		return nil
	}); err != nil {
		t.Errorf("ReadAfter(Oldest): %v", err)
	}
	if fmt.Sprint(seqs) != fmt.Sprint(want) {
		t.Errorf("ReadAfter(Oldest) read %v, want %v", seqs, want)
	}
}

// Oldest is the position before the oldest retained entry: 0 for a new
// log, past the entries retention dropped by count, and the head once age
// retention keeps nothing, even before a commit deletes the entries.
func TestOldest(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log.db"), ssehub.Retention{MaxEntries: 3, MaxAge: time.Hour})
	defer mustClose(t, l)
	wantOldest(t, l, 0, nil)
	for i := range 5 {
		appendID(t, l, fmt.Sprint(i))
	}
	wantOldest(t, l, 2, []uint64{3, 4, 5})
	l.ret.MaxAge = time.Nanosecond // as a restart with a shorter MaxAge would
	time.Sleep(time.Millisecond)
	wantOldest(t, l, 5, nil)
}

// Oldest after Close fails with ErrClosed.
func TestOldestAfterClose(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log.db"), ssehub.Retention{})
	mustClose(t, l)
	if _, err := l.Oldest(context.Background()); !errors.Is(err, ssehub.ErrClosed) {
		t.Errorf("Oldest after Close: %v, want ErrClosed", err)
	}
}
