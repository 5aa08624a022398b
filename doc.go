// Package ssehub is a real-time push hub: it delivers events to browsers and
// other clients over Server-Sent Events (the WHATWG "text/event-stream"
// protocol), to one client (every open connection of one client id), to a
// topic, or to everyone.
//
// # The model
//
// A [Hub] holds the open event streams of one process. A publisher hands the
// hub a [Message]: an event (optional type, any data) and its targets. The hub
// appends the message to its [Log], which assigns the event its id (a
// decimal sequence number, opaque to clients) and keeps it for a while. The log
// hands every appended [Entry] back to the hub in id order; the hub encodes it
// once and queues the same bytes on every local connection the message targets.
// Each connection drains its queue with one write per batch of events.
//
// A client that reconnects sends the id of the last event it saw in the
// Last-Event-ID header. The hub first replays the retained entries after that id
// that the connection would have received, then switches to live delivery, with
// no gap and no duplicate at the switch. When an entry the connection would
// have received is no longer retained (or the id was never issued by this
// log) the hub sends a "reset" event instead: see [ResetEventType]. Who
// receives what has one definition, [Subscription.Receives]; the [Log]
// documentation states everything else the hub relies on a log for, and a
// log that loses continuity says so ([Listener].Skip) rather than leaving a
// gap.
//
// An ephemeral message ([Message].Ephemeral) skips the log: it goes to the
// connections open now, without an id, and is never replayed.
//
// # Mercure subscriptions
//
// A [Subscription] with Selectors is served the way the Mercure hub serves
// a subscriber: it receives only events with a topic one of its selectors
// matches (an exact topic, an RFC 6570 URI template, or "*"; package
// selector), no broadcast and nothing sent to its client id alone. A
// private event ([Message].Private) reaches any stream only when one of its
// topics matches one of the stream's [Subscription].Private selectors. An
// event published with an EventID carries it as its "id:", and a client
// resumes after it when the Log is an [EventIDLog]. Such a stream's
// response has a Last-Event-ID header naming the newest event when it
// opened ([Earliest] on an empty log); it resumes after any id the log
// knows, replays all retained history for [Earliest], and gets nothing
// (no history, no reset event) for an id the log does not know. Delivery
// matches an event's topics once against each distinct template of the
// open streams, never stream by stream.
//
// # Slow clients
//
// Every connection's queue is bounded in bytes. A connection whose queue
// overflows is closed; the client reconnects and resumes from the log. A
// publisher is never blocked by a slow connection, and an open connection never
// silently misses an event.
//
// # Connections
//
// On HTTP/1.x the hub takes the connection over from net/http once the
// request is read, and writes the response itself: an idle stream then costs
// a small struct and a socket, with no goroutine and no buffers. A pool of
// writers (one per CPU) writes the streams that have something queued, with
// non-blocking writes; a stream whose client does not keep up gets a
// goroutine of its own until it has caught up. One goroutine watches every
// such socket for the client hanging up (epoll, on Linux). HTTP/2 streams,
// and all streams with Config.KeepHandler, stay on net/http's handler path.
//
// # Metrics and logs
//
// [Hub.Metrics] returns what the hub has counted: streams open by protocol
// and closed by reason, refusals, events published and delivered, replays
// and resets, bytes queued, publish and append latencies (kept from its
// first call on). Counting costs no lock and no allocation on the paths it
// counts, and the package knows
// nothing of any monitoring system: package metrics exports the snapshot to
// Prometheus. With Config.Logger at debug level the hub writes a line per
// stream opened and ended; no line carries a credential.
//
// # Several nodes
//
// Several hubs behind a load balancer act as one when they share a Log that
// delivers every entry to each of them (package redis has one) and a
// [Cluster] through which each shares its own streams: presence
// ([Hub.ClientPage], [Hub.Streams], [Hub.StreamCount]), the per-client
// stream limit and [Hub.Kick] then span every live node. Each node still
// writes only to its own connections.
//
// # The source
//
// This package is the domain: messages and entries, the Log contract and
// the memory log, the hub, publishing, serving streams (admission, replay,
// reset) and presence. The delivery engine (the registry of open streams,
// each stream's queue and state machine, the sinks, the writers that drain
// the queues, heartbeats and the expiry sweep) is internal/engine; the
// socket machinery of taken-over streams (the take-over itself,
// non-blocking writes, the hang-up watcher) is internal/socket.
// docs/ARCHITECTURE.md maps the files.
//
// Who imports it: an application that embeds the hub, and the adapters
// around it, each over one dependency: httpapi (the standalone server's
// routes), bolt and redis (stores, with package store), jwtauth
// (subscriber tokens), metrics (Prometheus), mercure (the Mercure protocol).
// It imports none of them; it imports package selector, which they share.
package ssehub
