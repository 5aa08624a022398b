package loadconn

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that every connection and transport a test opens is
// closed: nothing is left running.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
