package sse

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

func BenchmarkAppendEvent(b *testing.B) {
	cases := []struct {
		name string
		data []byte
	}{
		{"small", []byte(`{"user":"alice","text":"hello, world","n":12345}`)},
		{"multiline", []byte(strings.Repeat("a line of event data, some 40 bytes ..\n", 16))},
		{"large", bytes.Repeat([]byte("0123456789abcdef"), 256)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 2*len(c.data)+256)
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendEvent(buf[:0], "1234567", "update", c.data)
			}
		})
	}
}

func BenchmarkReader(b *testing.B) {
	cases := []struct {
		name string
		data []byte
	}{
		{"small", []byte(`{"user":"alice","text":"hello, world","n":12345}`)},
		{"multiline", []byte(strings.Repeat("a line of event data, some 40 bytes ..\n", 16))},
	}
	for _, c := range cases {
		const events = 1000
		var stream []byte
		for i := range events {
			stream = AppendEvent(stream, strconv.Itoa(1000000+i), "update", c.data)
			if i%10 == 0 {
				stream = AppendComment(stream, "hb")
			}
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(stream)))
			b.ReportAllocs()
			br := bytes.NewReader(stream)
			for b.Loop() {
				br.Reset(stream)
				r := NewReader(br)
				n := 0
				for {
					if _, err := r.Next(); err != nil {
						break
					}
					n++
				}
				if n != events {
					b.Fatalf("read %d events", n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
		})
	}
}
