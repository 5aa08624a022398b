package ssehub_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/bolt"
)

// BenchmarkPublish publishes to a client with no connection, so the figure is
// the publish path itself with each store: validation, append (for bolt: an
// fsync, shared by the publishes waiting at the same moment), fan-out lookup;
// with few and with many concurrent publishers.
func BenchmarkPublish(b *testing.B) {
	stores := map[string]func(b *testing.B) ssehub.Log{
		"memory": func(*testing.B) ssehub.Log { return ssehub.NewMemoryLog(ssehub.Retention{}) },
		"bolt": func(b *testing.B) ssehub.Log {
			l, err := bolt.Open(filepath.Join(b.TempDir(), "events.db"), ssehub.Retention{})
			if err != nil {
				b.Fatal(err)
			}
			return l
		},
	}
	for _, name := range []string{"memory", "bolt"} {
		for _, parallel := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/publishers=%d", name, parallel*runtime.GOMAXPROCS(0)), func(b *testing.B) {
				log := stores[name](b)
				hub := ssehub.New(ssehub.Config{Log: log, Heartbeat: -1})
				defer log.Close()
				defer hub.Shutdown(context.Background())
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
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}
