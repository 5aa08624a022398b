package logtest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

// testAppendOnce: a key appends once; its repeat appends nothing and
// returns the first append's numbers (0 for the messages not appended);
// the key with another digest is refused; another key appends.
func (s *suite) testAppendOnce(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{})
	il := idempotent(t, l)
	ctx := context.Background()
	d1, d2 := [32]byte{1}, [32]byte{2}
	es, earlier, err := il.AppendOnce(ctx, "k1", d1, []*ssehub.Message{msg("a"), nil, msg("b")}, nil)
	if err != nil || earlier != nil || len(es) != 2 {
		t.Fatalf("first AppendOnce: %d entries, earlier %v, %v; want 2 entries", len(es), earlier, err)
	}
	if diff(&es[0].Message, msg("a")) != "" || diff(&es[1].Message, msg("b")) != "" || es[1].Seq != es[0].Seq+1 {
		t.Fatalf("first AppendOnce: entries %s, want a and b, consecutive", fmtSeqs(seqs(es)))
	}
	delivered := len(rec.entries)
	es2, earlier, err := il.AppendOnce(ctx, "k1", d1, []*ssehub.Message{msg("a"), nil, msg("b")}, nil)
	if err != nil || len(es2) != 0 || !slices.Equal(earlier, []uint64{es[0].Seq, 0, es[1].Seq}) {
		t.Fatalf("repeat: %d entries, earlier %v, %v; want none and [%d 0 %d]", len(es2), earlier, err, es[0].Seq, es[1].Seq)
	}
	if len(rec.entries) != delivered {
		t.Errorf("repeat delivered %d entries, want none", len(rec.entries)-delivered)
	}
	wantRead(t, l, es[1].Seq, es[1].Seq, nil)
	if _, _, err := il.AppendOnce(ctx, "k1", d2, []*ssehub.Message{msg("c")}, nil); !errors.Is(err, ssehub.ErrKeyReused) {
		t.Errorf("k1 with another digest: %v, want ErrKeyReused", err)
	}
	es3, earlier, err := il.AppendOnce(ctx, "k2", d1, []*ssehub.Message{msg("c")}, nil)
	if err != nil || earlier != nil || len(es3) != 1 || es3[0].Seq != es[1].Seq+1 {
		t.Errorf("another key: %d entries, earlier %v, %v; want entry %d", len(es3), earlier, err, es[1].Seq+1)
	}
}

// testAppendOnceConcurrent: concurrent calls with one key append once.
func (s *suite) testAppendOnceConcurrent(t *testing.T) {
	l, rec := s.newLog(t, ssehub.Retention{})
	il := idempotent(t, l)
	var appended, repeats atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			es, earlier, err := il.AppendOnce(context.Background(), "same", [32]byte{7}, []*ssehub.Message{msg("once")}, nil)
			switch {
			case err != nil:
				t.Errorf("AppendOnce: %v", err)
			case len(es) == 1 && earlier == nil:
				appended.Add(1)
			case len(es) == 0 && len(earlier) == 1:
				repeats.Add(1)
			default:
				t.Errorf("AppendOnce: %d entries, earlier %v", len(es), earlier)
			}
		})
	}
	wg.Wait()
	if appended.Load() != 1 || repeats.Load() != 7 || len(rec.entries) != 1 {
		t.Errorf("8 concurrent calls with one key: %d appended, %d repeats, %d delivered; want 1, 7, 1", appended.Load(), repeats.Load(), len(rec.entries))
	}
}

// testAppendOnceWindow: a key is forgotten after the key window.
func (s *suite) testAppendOnceWindow(t *testing.T) {
	l, _ := s.newLog(t, ssehub.Retention{KeyWindow: 100 * time.Millisecond})
	il := idempotent(t, l)
	if _, _, err := il.AppendOnce(context.Background(), "k", [32]byte{1}, []*ssehub.Message{msg("a")}, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	es, earlier, err := il.AppendOnce(context.Background(), "k", [32]byte{2}, []*ssehub.Message{msg("b")}, nil)
	if err != nil || earlier != nil || len(es) != 1 {
		t.Errorf("the key after its window: %d entries, earlier %v, %v; want it to append again", len(es), earlier, err)
	}
}
