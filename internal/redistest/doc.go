// Package redistest starts a real redis-server for tests: no mocks, no
// in-memory fakes. Each [Server] is its own process on a free local port,
// with a data directory in the test's temp dir and no persistence unless a
// test asks for it (Stop saves, so that Start brings the data back; Reset
// starts it empty, as a Redis that kept nothing on disk).
//
// [StartSentinel] starts a primary with replicas and redis-sentinel
// processes (kill -9 the primary, wait for the failover); [StartCluster]
// starts a Redis Cluster of three masters with a replica each (move a slot
// with CLUSTER FAILOVER or by killing its master). Their processes live on
// fixed free ports, in the test's temp dirs, and die with the test.
//
// When redis-server (or redis-sentinel, redis-cli) is not on PATH, [Start]
// (and the others) skips the test with a loud message, unless
// SSEHUB_REQUIRE_REDIS is set (CI sets it), in which case the test fails: a
// missing dependency must never pass as a green run.
//
// Who imports it: the tests of redis, client, cmd/ssehub, cmd/ssebench and
// deploy.
package redistest
