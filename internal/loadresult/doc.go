// Package loadresult is what a run of the load tool, cmd/ssebench, found:
// the [Result] of one run, in parts (setup, connect, server, publish,
// delivery, integrity checks) that each merge themselves; the latency
// [Histogram]; how results print (a table, JSON), how several processes'
// results merge into one run ([MergeFiles]), what -strict refuses
// ([Result.Failure]), and scripts/compare.sh's comparison of ssehub with
// the yardstick against a stored [Baseline] ([Compare]).
//
// Running the scenarios stays in cmd/ssebench, the only importer; this
// package neither opens streams nor publishes. A Result's JSON form is
// flat (its parts are embedded), the one older results and
// scripts/compare-baseline.json were written in.
package loadresult
