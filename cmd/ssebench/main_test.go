package main

// The load tool stops every goroutine it starts: a run leaves nothing behind.

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
