package redis

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/ssehub/ssehub"
)

// BenchmarkAppendReplicas measures what -redis-replicas costs per publish:
// a primary with two replicas on loopback, appends waiting for 0, 1 or 2 of
// them, from one publisher (the round trip WAIT adds) and from 32 (merged
// appends share one WAIT).
func BenchmarkAppendReplicas(b *testing.B) {
	r := newReplicated(b, 2)
	for _, publishers := range []int{1, 32} {
		for _, n := range []int{0, 1, 2} {
			b.Run(fmt.Sprintf("publishers=%d/replicas=%d", publishers, n), func(b *testing.B) {
				l, _ := r.openReplicated(b, n)
				m := &ssehub.Message{Clients: []string{"nobody"}, Data: make([]byte, 64)}
				b.SetParallelism(max(1, publishers/runtime.GOMAXPROCS(0)))
				if publishers == 1 {
					b.SetParallelism(1)
				}
				b.ReportAllocs()
				run := func() {
					if _, err := l.Append(context.Background(), m, 0); err != nil {
						b.Error(err)
					}
				}
				if publishers == 1 {
					for b.Loop() {
						run()
					}
				} else {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							run()
						}
					})
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}
