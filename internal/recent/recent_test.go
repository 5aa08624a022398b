package recent

import (
	"testing"

	"github.com/ssehub/ssehub"
)

func entry(seq uint64, client string) *ssehub.Entry {
	return &ssehub.Entry{Seq: seq, Message: ssehub.Message{Clients: []string{client}, Data: []byte("x")}}
}

func seqs(es []*ssehub.Entry) []uint64 {
	var out []uint64
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

func TestReadFiltersAndBounds(t *testing.T) {
	r := New(4)
	for seq := uint64(1); seq <= 6; seq++ { // 1 and 2 pushed out
		r.Add(entry(seq, map[bool]string{true: "alice", false: "bob"}[seq%2 == 0]))
	}
	if es, next := r.Read(1, 6, nil); es != nil || next != 1 {
		t.Errorf("Read(1..6) of 3..6: %v, next %d; want nothing and next 1 (go to the store)", seqs(es), next)
	}
	es, next := r.Read(3, 6, &ssehub.Subscription{Client: "alice"})
	if got := seqs(es); len(got) != 2 || got[0] != 4 || got[1] != 6 || next != 7 {
		t.Errorf("Read(3..6) for alice: %v, next %d; want [4 6], next 7", got, next)
	}
}

func TestAddWithAHoleStartsAfresh(t *testing.T) {
	r := New(10)
	r.Add(entry(1, "a"), entry(2, "a"))
	r.Add(entry(5, "a")) // 3 and 4 were never seen: what is held is no longer consecutive with it
	if es, next := r.Read(1, 5, nil); es != nil || next != 1 {
		t.Errorf("Read(1..5) after a hole: %v, next %d; want nothing", seqs(es), next)
	}
	if es, _ := r.Read(5, 5, nil); len(es) != 1 {
		t.Errorf("Read(5): %v, want entry 5", seqs(es))
	}
	r.Clear()
	if es, next := r.Read(5, 5, nil); es != nil || next != 5 {
		t.Errorf("Read after Clear: %v, next %d", seqs(es), next)
	}
}

func TestZeroHoldsNothing(t *testing.T) {
	r := New(0)
	r.Add(entry(1, "a"))
	if es, next := r.Read(1, 1, nil); es != nil || next != 1 {
		t.Errorf("a cache of 0 entries served %v", seqs(es))
	}
}
