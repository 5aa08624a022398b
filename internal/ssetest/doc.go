// Package ssetest holds test helpers shared by ssehub's packages: an event
// stream opened with a real HTTP client and read in the background with
// [sse.Reader], a poller for conditions that must come to hold, and a hub
// served on a loopback server that is shut down, then closed, when the test
// ends.
//
// It is imported by tests only. It depends on the standard library and the
// sse package, never on package ssehub, so that ssehub's own tests may use
// it without an import cycle.
//
// Every wait is bounded by [Wait]; a helper that gives up fails the test.
package ssetest
