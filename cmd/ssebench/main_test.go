package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that the tool stops every goroutine it starts: a run leaves
// nothing behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
