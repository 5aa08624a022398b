package redis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/recent"
	"github.com/ssehub/ssehub/store"
)

// The dropped index the scripts keep in Redis follows store.DroppedIndex
// exactly, forgetting included: after every append, for several
// subscriptions and the recent positions, the log reports a loss exactly
// when a DroppedIndex fed the same drops does.
func TestDroppedIndexIsSSEHubs(t *testing.T) {
	env := newLogEnv(t)
	const keep, maxKeys, window = 3, 4, 16
	l, _ := env.openTuned(t, freshPrefix(), ssehub.Retention{MaxEntries: keep}, logTuning{maxDropped: maxKeys, recent: recent.MaxEntries})
	rnd := rand.New(rand.NewPCG(1, 2))
	pick := func(prefix string, n int) []string {
		var s []string
		for i := range rnd.IntN(3) {
			s = append(s, fmt.Sprintf("%s%d", prefix, (rnd.IntN(n)+i)%n))
		}
		return s
	}
	subs := []*ssehub.Subscription{nil}
	for c := range 4 {
		subs = append(subs, &ssehub.Subscription{Client: fmt.Sprintf("c%d", c), Topics: []string{fmt.Sprintf("t%d", c%3)}})
	}
	var all []*ssehub.Entry
	want := store.DroppedIndex{MaxKeys: maxKeys}
	for range 60 {
		var batch []*ssehub.Message // one append that may drop several entries
		for range 1 + rnd.IntN(3) {
			m := &ssehub.Message{Clients: pick("c", 6), Topics: pick("t", 3), Broadcast: rnd.IntN(10) == 0, Data: []byte("x")}
			if len(m.Clients)+len(m.Topics) == 0 {
				m.Clients = []string{"c0"}
			}
			batch = append(batch, m)
		}
		es, err := l.AppendBatch(context.Background(), batch, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if all = append(all, e); len(all) > keep {
				want.Drop(all[len(all)-keep-1])
			}
		}
		first, head := all[max(0, len(all)-keep)].Seq, all[len(all)-1].Seq
		for _, sub := range subs {
			for after := max(all[0].Seq-1, head-window); after <= head; after++ {
				_, _, err := readAll(l, after, sub)
				lost := after+1 < first && want.Lost(sub, after)
				if lost != errors.Is(err, ssehub.ErrNotRetained) || (!lost && err != nil) {
					t.Fatalf("after %d appends: ReadAfter(%d, %+v) = %v; DroppedIndex says lost = %v", len(all), after, sub, err, lost)
				}
			}
		}
	}
}

// A read in parts notices entries trimmed while it went on: ErrNotRetained
// once it reaches them, if the stream would have received one; if not, it
// reads on. (Every read below trims the entries it reads on its first
// call of fn: the first entry is y's, the others x's.)
func TestReadInPartsNoticesTrimming(t *testing.T) {
	env := newLogEnv(t)
	const n = 1500 // more than one page
	prefix := freshPrefix()
	r := ssehub.Retention{MaxEntries: n}
	reader, _ := env.openTuned(t, prefix, r, noCache)
	writer, _ := env.open(t, prefix, r)
	appendMany := func(first, rest string) []*ssehub.Entry {
		t.Helper()
		var msgs []*ssehub.Message
		for i := range n {
			client := rest
			if i == 0 {
				client = first
			}
			msgs = append(msgs, &ssehub.Message{Clients: []string{client}, Data: fmt.Appendf(nil, "%d", i)})
		}
		var es []*ssehub.Entry
		for i := 0; i < n; i += 500 {
			batch, err := writer.AppendBatch(context.Background(), msgs[i:i+500], nil)
			if err != nil {
				t.Fatal(err)
			}
			es = append(es, batch...)
		}
		return es
	}

	for _, tc := range []struct {
		sub  *ssehub.Subscription
		lost bool
	}{
		{&ssehub.Subscription{Client: "x"}, true},
		{nil, true},
		{&ssehub.Subscription{Client: "y"}, false},
	} {
		es := appendMany("y", "x")
		calls := 0
		_, err := reader.ReadAfter(context.Background(), es[0].Seq-1, tc.sub, func(*ssehub.Entry) error {
			if calls++; calls == 1 {
				appendMany("z", "z") // trims every entry es holds
			}
			return nil
		})
		switch {
		case tc.lost && (!errors.Is(err, ssehub.ErrNotRetained) || calls >= n-1):
			t.Errorf("sub %+v: a read whose entries were trimmed midway: %v after %d calls of fn; want ErrNotRetained before the end", tc.sub, err, calls)
		case !tc.lost && (err != nil || calls != 1):
			t.Errorf("sub %+v: %v after %d calls of fn; want no error after its one entry", tc.sub, err, calls)
		}
	}
}
