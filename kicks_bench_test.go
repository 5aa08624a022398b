package ssehub

import (
	"fmt"
	"log/slog"
	"testing"
	"time"
)

// BenchmarkKick measures adding a kick (of a new client, at the limit: the
// oldest is forgotten) and checking a stream's credentials against the
// kicks, with 1,000 and 50,000 remembered: both should cost the same.
func BenchmarkKick(b *testing.B) {
	for _, n := range []int{1_000, 50_000} {
		k := filledKicks(n)
		b.Run(fmt.Sprintf("add/%d", n), func(b *testing.B) {
			at := time.Now()
			for i := 0; b.Loop(); i++ {
				k.add(fmt.Sprintf("new%d", i), at.Add(time.Duration(i)), at)
			}
			if got, _ := k.stats(); got != n {
				b.Fatalf("%d kicks remembered, want the limit %d", got, n)
			}
		})
		b.Run(fmt.Sprintf("check/%d", n), func(b *testing.B) {
			sub := Subscription{Client: "c7", Issued: time.Now().Add(-time.Hour)}
			for b.Loop() {
				k.refuses(sub)
			}
		})
	}
}

// filledKicks returns kicks remembering n clients, its limit.
func filledKicks(n int) *kicks {
	k := new(kicks)
	k.init(time.Hour, n, slog.New(slog.DiscardHandler))
	now := time.Now()
	for i := range n {
		k.add(fmt.Sprintf("c%d", i), now.Add(time.Duration(i-n)), now)
	}
	return k
}
