package redis

import (
	"testing"

	"go.uber.org/goleak"
)

// Every Log's feed, and every client a test dials, must be gone when the
// tests end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
