package ssehub_test

import (
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/logtest"
)

func TestMemoryLog(t *testing.T) {
	logtest.Run(t, func(t *testing.T, r ssehub.Retention) ssehub.Log {
		return ssehub.NewMemoryLog(r)
	})
}

func TestMemoryLogEventIDs(t *testing.T) {
	logtest.RunEventIDLog(t, func(t *testing.T, r ssehub.Retention) ssehub.Log {
		return ssehub.NewMemoryLog(r)
	})
}
