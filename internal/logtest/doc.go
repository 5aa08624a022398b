// Package logtest is a conformance suite for implementations of ssehub.Log:
// it checks, for every log, what the Log, BatchLog and IdempotentLog
// documentation promises and a Hub relies on (numbering, delivery to the
// listener with the Ticket each append was given, reads, retention,
// idempotency keys). The tests of ssehub (MemoryLog), bolt and redis import
// it; a third-party Log can too.
//
// An implementation's tests call [Run] with a function that opens a fresh,
// empty log:
//
//	func TestLog(t *testing.T) {
//		logtest.Run(t, func(t *testing.T, r ssehub.Retention) ssehub.Log {
//			return mylog.New(r)
//		})
//	}
//
// Run closes every log it opens (and reports an error from Close), so open
// must not register Close itself. The suite never assumes a first sequence
// number: it only compares the numbers the log returns.
//
// The suite's files follow its concerns: logtest.go lists the subtests,
// recorder.go is the listener that checks delivery, helpers.go appends and
// reads, and append.go, read.go, retention.go, delivery.go and
// idempotency.go hold the subtests of each part of the contract.
package logtest
