package redis

import (
	"testing"

	"go.uber.org/goleak"
)

// Every Log's feed, and every client a test dials, must be gone when the
// tests end. Except one of go-redis's: after failed dials (a killed primary
// or cluster master) its pool probes the address once a second from a
// goroutine that notices the pool's Close only after its sleep.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"))
}
