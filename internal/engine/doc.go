// Package engine is ssehub's delivery engine: it holds the open event
// streams of one hub and writes events to them. The root package ssehub
// imports it (the Hub tells it what to do); nothing else does, and it
// knows nothing of Hub, Message or Log: it imports only sse and
// internal/socket (selectors are matched by the functions Config gives it).
//
// # What it holds
//
//   - The registry (registry.go): the open streams, in 32 shards by client
//     id, indexed by client id, topic and template; Deliver fans an encoded
//     event out through it to the streams its Targets name. The distinct
//     templates of all streams (templates.go) are compiled once each and
//     matched against an event's topics once per template, never per
//     stream; a TopicsOnly stream (a Mercure subscription) is reached by
//     topics and templates only; a private event only reaches streams whose
//     Identity.Private allows one of its topics.
//   - Streams and their state machine (stream.go).
//   - Their sinks (sink.go): a socket taken over from net/http, written by
//     the writer pool, or net/http's ResponseWriter, written by the request's
//     handler goroutine (Stream.Serve).
//   - The writers (writers.go): the hand-off of a queue's drain between the
//     writer pool, a slow client's own goroutine and the publisher
//     (publication.go: the publisher writes the first few streams of its own
//     publish itself).
//   - Heartbeats (heartbeat.go), the expiry sweep (expire.go), and the
//     counters of streams and deliveries (counters.go).
//
// # A stream's states
//
// A stream moves only forward through replaying → live → finishing →
// closed (closed may come from any state):
//
//   - replaying: NewStream makes it so. Its opener registers it (Register),
//     writes the history the client missed with Stream.Write, and meanwhile
//     live events are queued but not written.
//   - live: GoLive(seq) drops the queued events up to seq (the replay wrote
//     them), keeps the rest (and every ephemeral event) and starts a writer
//     if anything is left. From here on every queued event starts a writer
//     if none runs.
//   - finishing: Finish(why) (shutdown, an expiry, a skip): nothing more is
//     queued; the writer closes the stream once its queue is empty, Finish
//     itself if no writer runs, GoLive if it was still replaying.
//   - closed: Close(why), a hang-up (HangUp), a failed write, or an overflow
//     (a queue that would exceed Config.QueueBytes). The first reason
//     decided is the one counted and reported to Config.OnClosed.
//
// A stream ignores an event whose sequence number is not newer than its
// position, which is how an event reaching it through several targets is
// queued once, and how GoLive removes what the replay covered.
//
// # The writer hand-off
//
// At most one writer drains a stream at a time: the one that set its
// writing flag, under its lock, when it queued onto a live stream with no
// writer. The rules are stated at the top of writers.go; the tests in
// stream_test.go and writers_test.go drive the races between close,
// hang-up, overflow, replay and live delivery one step at a time, on an
// in-memory sink.
package engine
