package httpapi

import (
	"bytes"
	"strings"
	"testing"
)

// BenchmarkDecodeJSON measures the strict decoding of a publish body: one
// event with a JSON object as data, and a batch of 100 such events.
func BenchmarkDecodeJSON(b *testing.B) {
	one := `{"clients": ["alice", "bob"], "topics": ["room-1"], "event": "chat", "data": {"text": "hello", "from": "carol", "n": 42}}`
	for _, c := range []struct {
		name string
		body string
	}{
		{"single", one},
		{"batch100", "[" + strings.TrimSuffix(strings.Repeat(one+",", 100), ",") + "]"},
	} {
		b.Run(c.name, func(b *testing.B) {
			body := []byte(c.body)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := decodeJSON(bytes.NewReader(body)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
