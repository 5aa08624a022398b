package redis

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/ssehub/ssehub"
)

// BenchmarkAppendEventID is BenchmarkAppend's 64-byte case for Mercure
// updates: each with an event id of its own (indexed by the append script)
// and the private flag, so that it measures what the fields i and p and
// the ids hash cost next to BenchmarkAppend's plain messages.
func BenchmarkAppendEventID(b *testing.B) {
	env := newLogEnv(b)
	for _, parallel := range []int{1, 16} {
		name := fmt.Sprintf("publishers=%d/bytes=64", parallel*runtime.GOMAXPROCS(0))
		b.Run(name, func(b *testing.B) {
			l, _ := env.open(b, freshPrefix(), ssehub.Retention{})
			var n atomic.Int64
			b.SetParallelism(parallel)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					m := &ssehub.Message{Topics: []string{"https://example.com/books/1"}, Data: make([]byte, 64),
						EventID: "urn:uuid:" + strconv.FormatInt(n.Add(1), 10), Private: true}
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

// BenchmarkSeqOf measures a lookup by event id in a log of 10,000 entries
// with ids: one script call.
func BenchmarkSeqOf(b *testing.B) {
	env := newLogEnv(b)
	l, _ := env.open(b, freshPrefix(), ssehub.Retention{})
	msgs := make([]*ssehub.Message, 10000)
	for i := range msgs {
		msgs[i] = &ssehub.Message{Topics: []string{"t"}, EventID: "id-" + strconv.Itoa(i)}
	}
	if _, err := l.AppendBatch(context.Background(), msgs, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, found, err := l.SeqOf(context.Background(), msgs[i%len(msgs)].EventID); err != nil || !found {
			b.Fatalf("SeqOf: %v, found %v", err, found)
		}
		i++
	}
}
