package redis_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/redistest"
	"github.com/ssehub/ssehub/redis"
)

// redisLog returns a nodeConfig.log that opens the Log of the cluster named
// prefix on srv, as cmd/ssehub does.
func redisLog(srv *redistest.Server, prefix string) func(t testing.TB) ssehub.Log {
	return func(t testing.TB) ssehub.Log {
		rdb, err := redis.Dial(context.Background(), srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rdb.Close() })
		l, err := redis.NewLog(context.Background(), rdb, redis.LogOptions{Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
}

// BenchmarkPublishToReceive measures, in one run, an event's way from
// Hub.Publish to a client's SSE stream over HTTP: on a single node with the
// memory log, on a single node through Redis, and from one node to a stream
// on another through Redis. "serial" publishes one event at a time and
// reports the latency percentiles; "parallel" keeps 16 publishes in flight
// and reports the events per second the stream receives.
func BenchmarkPublishToReceive(b *testing.B) {
	srv := redistest.Start(b)
	setups := []struct {
		name string
		make func(b *testing.B) (pub, sub *node)
	}{
		{"single-node/memory", func(b *testing.B) (*node, *node) {
			n := startNode(b, srv, "bench-mem", nodeConfig{})
			return n, n
		}},
		{"single-node/redis", func(b *testing.B) (*node, *node) {
			n := startNode(b, srv, "bench-one", nodeConfig{log: redisLog(srv, "bench-one")})
			return n, n
		}},
		{"cross-node/redis", func(b *testing.B) (*node, *node) {
			nc := nodeConfig{log: redisLog(srv, "bench-two")}
			return startNode(b, srv, "bench-two", nc), startNode(b, srv, "bench-two", nc)
		}},
	}
	for _, s := range setups {
		b.Run(s.name+"/serial", func(b *testing.B) {
			pub, sub := s.make(b)
			stream := sub.open(b, "id=bench")
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				publishTo(b, pub, i)
				if ev := stream.Next(b); ev.Data != strconv.Itoa(i) {
					b.Fatalf("received %q, want %d", ev.Data, i)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
		b.Run(s.name+"/parallel", func(b *testing.B) {
			pub, sub := s.make(b)
			stream := sub.open(b, "id=bench")
			b.ResetTimer()
			var wg sync.WaitGroup
			next := make(chan int)
			for range 16 {
				wg.Go(func() {
					for i := range next {
						publishTo(b, pub, i)
					}
				})
			}
			go func() {
				for i := range b.N {
					next <- i
				}
				close(next)
			}()
			for range b.N {
				stream.Next(b)
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func publishTo(b *testing.B, n *node, i int) {
	if _, err := n.hub.Publish(context.Background(), ssehub.Message{Clients: []string{"bench"}, Data: []byte(strconv.Itoa(i))}); err != nil {
		b.Error(err)
	}
}
