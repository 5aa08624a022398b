package storekit

import "math"

// OrDefault returns v, or def when v is zero or negative: how a Retention's
// MaxEntries and KeyWindow resolve.
func OrDefault[T ~int | ~int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// ByteLimit returns v, def when v is zero, or math.MaxInt64 when v is
// negative (no limit): how a Retention's MaxBytes resolves.
func ByteLimit(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return math.MaxInt64
	}
	return v
}
