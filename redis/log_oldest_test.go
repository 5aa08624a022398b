package redis

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

// wantOldest checks l.Oldest, and that ReadAfter from it reads exactly want
// for a Mercure stream of every topic.
func wantOldest(t *testing.T, l *Log, oldest uint64, want []uint64) {
	t.Helper()
	got, err := l.Oldest(context.Background())
	if err != nil || got != oldest {
		t.Fatalf("Oldest = %d, %v; want %d", got, err, oldest)
	}
	es, _, err := readAll(l, got, &ssehub.Subscription{Client: "urn:uuid:x", Selectors: []string{"*"}})
	if err != nil {
		t.Errorf("ReadAfter(Oldest): %v", err)
	}
	if fmt.Sprint(seqsOf(es)) != fmt.Sprint(want) {
		t.Errorf("ReadAfter(Oldest) read %v, want %v", seqsOf(es), want)
	}
}

// Oldest is the position before the oldest retained entry: the base on a
// new log, past what retention trimmed by count, and the head once age
// retention keeps nothing (with no append to trim it). Every node agrees.
func TestOldest(t *testing.T) {
	env := newLogEnv(t)
	prefix := freshPrefix()
	a, _ := env.open(t, prefix, ssehub.Retention{MaxEntries: 3, MaxAge: 300 * time.Millisecond})
	b, _ := env.openTuned(t, prefix, ssehub.Retention{MaxEntries: 3, MaxAge: 300 * time.Millisecond}, noCache)
	st, err := a.state(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantOldest(t, a, st.base, nil)
	var es []*ssehub.Entry
	for i := range 5 {
		es = append(es, mustAppendLog(t, a, idMsg(fmt.Sprint(i))))
	}
	for _, l := range []*Log{a, b} {
		wantOldest(t, l, es[1].Seq, seqsOf(es[2:]))
	}
	eventually(t, "age retention keeps nothing", func() bool {
		got, err := b.Oldest(context.Background())
		return err == nil && got == es[4].Seq
	})
	wantOldest(t, a, es[4].Seq, nil)
}

// Oldest after Close fails with ErrClosed; with Redis down, with
// ErrUnavailable.
func TestOldestErrors(t *testing.T) {
	env := newLogEnv(t)
	down, _ := env.open(t, freshPrefix(), ssehub.Retention{})
	env.srv.Stop()
	if _, err := down.Oldest(context.Background()); !errors.Is(err, ssehub.ErrUnavailable) {
		t.Errorf("Oldest with Redis down: %v, want ErrUnavailable", err)
	}
	env.srv.Start()
	l, err := newLog(context.Background(), env.client, LogOptions{Prefix: freshPrefix(), Logger: (&logRecorder{}).logger()}, defaultTuning)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Oldest(context.Background()); !errors.Is(err, ssehub.ErrClosed) {
		t.Errorf("Oldest after Close: %v, want ErrClosed", err)
	}
}
