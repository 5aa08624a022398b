package ssehub

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/ssehub/ssehub/internal/engine"
)

// For random subscriptions and messages, the streams a live publish reaches
// are exactly those whose replay includes the event, and both are exactly
// those Subscription.Receives names: one definition of targeting.
func TestLiveAndReplayReachTheSameStreams(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	names := func(prefix string, max int) []string {
		var s []string
		for range rng.IntN(max + 1) {
			s = append(s, fmt.Sprintf("%s%d", prefix, rng.IntN(6)))
		}
		return s
	}
	for round := range 400 {
		log := NewMemoryLog(Retention{})
		h := New(Config{Heartbeat: -1, Log: log})
		var subs []Subscription
		var streams []*engine.Stream
		for range 1 + rng.IntN(12) {
			sub := Subscription{Client: fmt.Sprintf("c%d", rng.IntN(6)), Topics: names("t", 3), Private: selectors(rng, 2)}
			if rng.IntN(2) == 0 { // a Mercure subscription
				sub.Selectors = selectors(rng, 3)
			}
			// Replaying: events are queued and not written, so the queue
			// shows what the fan-out reached.
			s := addStream(h, sub, new(atomic.Int64), false)
			subs, streams = append(subs, sub), append(streams, s)
		}
		start := h.engine.Head()
		m := Message{Clients: names("c", 3), Topics: names("t", 3), Broadcast: rng.IntN(8) == 0, Data: []byte("x")}
		m.Topics = append(m.Topics, names("/r/", 2)...)
		m.Private = len(m.Topics) > 0 && rng.IntN(4) == 0
		if m.Validate() != nil {
			m.Broadcast = true
		}
		m.Ephemeral = round%2 == 1
		r, err := h.Publish(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range streams {
			queued, _ := s.Queued()
			want := subs[i].Receives(&m)
			if live := queued > 0; live != want {
				t.Fatalf("round %d: %+v reached live: %v (%d frames), Receives: %v, for %+v", round, subs[i], live, queued, want, m)
			}
			if queued > 1 {
				t.Fatalf("round %d: %+v got the event %d times", round, subs[i], queued)
			}
			if m.Ephemeral {
				continue
			}
			var replayed []uint64
			if _, err := log.ReadAfter(context.Background(), start, &subs[i], func(e *Entry) error {
				replayed = append(replayed, e.Seq)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			seq, _ := parseID(r.ID)
			if inReplay := slices.Contains(replayed, seq); inReplay != want {
				t.Fatalf("round %d: %+v in replay: %v, Receives: %v, for %+v", round, subs[i], inReplay, want, m)
			}
		}
		n := 0
		for i := range subs {
			if subs[i].Receives(&m) {
				n++
			}
		}
		if r.Streams != n {
			t.Fatalf("round %d: receipt says %d connections, Receives names %d", round, r.Streams, n)
		}
		for _, s := range streams {
			s.Close(engine.CloseClientGone)
		}
		h.Shutdown(context.Background())
	}
}

// selectors returns up to n random selectors of every kind: exact topics
// (of names tN and /r/N), URI templates that match some /r/N topics, "*".
func selectors(rng *rand.Rand, n int) []string {
	kinds := []func() string{
		func() string { return fmt.Sprintf("t%d", rng.IntN(6)) },
		func() string { return fmt.Sprintf("/r/%d", rng.IntN(6)) },
		func() string { return "/r/{id}" },
		func() string { return "/r{/id}" },
		func() string { return "/x/{id}" },
		func() string { return "*" },
	}
	var s []string
	for range rng.IntN(n + 1) {
		s = append(s, kinds[rng.IntN(len(kinds))]())
	}
	return s
}

// kindOf names each message's kind with the labels Metrics counts by.
func TestKindOf(t *testing.T) {
	for _, c := range []struct {
		m    Message
		want string
	}{
		{Message{Broadcast: true, Clients: []string{"a"}, Topics: []string{"t"}}, "broadcast"},
		{Message{Clients: []string{"a"}}, "client"},
		{Message{Topics: []string{"t"}}, "topic"},
		{Message{Clients: []string{"a"}, Topics: []string{"t"}}, "mixed"},
	} {
		if got := kindOf(&c.m).String(); got != c.want {
			t.Errorf("kindOf(%+v) = %q, want %q", c.m, got, c.want)
		}
	}
}
