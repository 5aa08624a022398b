package ssehub_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/ssehub/ssehub"
)

// BenchmarkPublishWithMetrics is BenchmarkPublish's memory case with the
// latencies kept (Hub.Metrics called, as a metrics collector does): what
// the clock readings add to the publish path.
func BenchmarkPublishWithMetrics(b *testing.B) {
	for _, parallel := range []int{1, 64} {
		b.Run(fmt.Sprintf("memory/publishers=%d", parallel*runtime.GOMAXPROCS(0)), func(b *testing.B) {
			log := ssehub.NewMemoryLog(ssehub.Retention{})
			hub := ssehub.New(ssehub.Config{Log: log, Heartbeat: -1})
			defer log.Close()
			defer hub.Shutdown(context.Background())
			hub.Metrics()
			m := ssehub.Message{Clients: []string{"nobody"}, Data: []byte("a small event of about sixty bytes, like a chat message")}
			b.SetParallelism(parallel)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := hub.Publish(context.Background(), m); err != nil {
						b.Error(err)
						return
					}
				}
			})
			if n := hub.Metrics().PublishLatency.Count(); n != uint64(b.N) {
				b.Fatalf("%d publishes timed, want %d", n, b.N)
			}
		})
	}
}
