package store

import (
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/storekit"
)

// MaxEntries returns r.MaxEntries, or ssehub.DefaultHistorySize when it is
// zero: how many entries a log with retention r keeps at most.
func MaxEntries(r ssehub.Retention) int {
	return storekit.OrDefault(r.MaxEntries, ssehub.DefaultHistorySize)
}

// MaxBytes returns r.MaxBytes, ssehub.DefaultHistoryBytes when it is zero,
// or math.MaxInt64 when it is negative (no limit): the most a log with
// retention r keeps, in the sum of ssehub.Entry.Size.
func MaxBytes(r ssehub.Retention) int64 {
	return storekit.ByteLimit(r.MaxBytes, ssehub.DefaultHistoryBytes)
}

// KeyWindow returns r.KeyWindow, or ssehub.DefaultKeyWindow when it is
// zero: how long a log with retention r remembers an idempotency key.
func KeyWindow(r ssehub.Retention) time.Duration {
	return storekit.OrDefault(r.KeyWindow, ssehub.DefaultKeyWindow)
}
