package main

import (
	"math"
	"strconv"
)

// Event data is "<seq> <unixnano> <padding>": the publisher's sequence number,
// its clock at the moment of publishing in Unix nanoseconds, and enough 'x'
// bytes to make the data size bytes long. Receivers parse it without
// allocating.

// appendPayload appends the data of event seq published at unixNano, padded
// to size bytes when size leaves room for a space and padding.
func appendPayload(dst []byte, seq uint64, unixNano int64, size int) []byte {
	start := len(dst)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, unixNano, 10)
	if n := size - (len(dst) - start); n > 0 {
		dst = append(dst, ' ')
		for range n - 1 {
			dst = append(dst, 'x')
		}
	}
	return dst
}

// parsePayload returns the sequence number and publish time in data, or
// ok=false when data was not made by appendPayload.
func parsePayload(data string) (seq uint64, unixNano int64, ok bool) {
	seq, i, ok := parseDigits(data, 0)
	if !ok || i >= len(data) || data[i] != ' ' {
		return 0, 0, false
	}
	t, j, ok := parseDigits(data, i+1)
	if !ok || t > math.MaxInt64 || (j < len(data) && data[j] != ' ') {
		return 0, 0, false
	}
	return seq, int64(t), true
}

// parseDigits parses the run of ASCII digits starting at s[i]; ok is false
// when there is none or it overflows uint64.
func parseDigits(s string, i int) (v uint64, end int, ok bool) {
	start := i
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, i, false
		}
		v = v*10 + d
	}
	return v, i, i > start
}
