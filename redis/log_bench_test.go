package redis

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/ssehub/ssehub"
)

// BenchmarkAppend measures an append from publish to delivery: the append
// script's round trip, then the feed reading the entry back from the
// stream and handing it to the listener, which Append waits for. With many
// publishers, the feed reads the entries of several appends per XREAD.
func BenchmarkAppend(b *testing.B) {
	env := newLogEnv(b)
	for _, parallel := range []int{1, 16} {
		for _, size := range []int{64, 4096} {
			name := fmt.Sprintf("publishers=%d/bytes=%d", parallel*runtime.GOMAXPROCS(0), size)
			b.Run(name, func(b *testing.B) {
				l, _ := env.open(b, freshPrefix(), ssehub.Retention{})
				m := &ssehub.Message{Clients: []string{"nobody"}, Data: make([]byte, size)}
				b.SetParallelism(parallel)
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := l.Append(context.Background(), m, 0); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}
