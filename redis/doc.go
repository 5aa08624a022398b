// Package redis runs ssehub on Redis, so that several hub processes behind a
// load balancer act as one hub: [Log] is an ssehub.Log kept in a Redis
// stream, shared by every node, and [Cluster] shares each node's presence
// (which clients have streams open where) and kicks.
//
// # The log
//
// Every node opens the same [Log] (same Redis, same prefix). Its keys share
// the hash tag {log}, so that the Lua scripts that change them touch one
// Redis Cluster slot:
//
//	<prefix>:{log}:stream    the entries: stream ids <seq>-0, fields t (append
//	                         time, µs), s (Entry.Size), n (the appending
//	                         node's mark), k (target keys), y (type), d (data),
//	                         and only when set i (Message.EventID), p ("1":
//	                         Private), r (Retry, ns)
//	<prefix>:{log}:meta      base (the head before the first entry), head,
//	                         bytes (sum of the retained entries' sizes), the
//	                         dropped index's floor and any, and epoch
//	<prefix>:{log}:dropped   ZSET: target key → newest dropped seq with it
//	<prefix>:{log}:ids       HASH: event id → seq of the newest retained
//	                         entry appended with it (Log.SeqOf)
//	<prefix>:{log}:key:<k>   an idempotency key: digest and seqs, expiring
//	                         after Retention.KeyWindow
//
// Every write is one script, hence atomic: an append numbers its entries
// consecutively (a batch is all or nothing), indexes their event ids,
// records its idempotency key, and applies retention, dropping the oldest
// entries beyond the limits, recording their target keys in the dropped
// index (store.DroppedIndex's rule, forgetting included) and removing their
// event ids from the ids hash (unless a newer entry took the id over), so
// the index is bounded by retention as the stream is. [Log.SeqOf] is one
// read-only script call: the hash, then the entry it names (not found when
// an age limit expired it before any script trimmed it). Any node finds an
// id any node appended. The fields i, p and r are absent from an entry
// without them, so an entry of ssehub's own API is stored as before they
// existed; nodes of an earlier version ignore them (they would serve a
// private event to every subscriber of its topics, and their trims leave
// ids in the hash, which SeqOf then does not find): upgrade every node
// before publishing Mercure updates. The numbering starts at the Redis server's
// clock in microseconds when the meta is created, as ssehub.MemoryLog's
// does: after a Redis that kept nothing restarts, the new ids are above the
// old ones, and an old id is below the new base, hence unknown (a reset
// event) rather than mistaken for a new one. Entry times and age retention
// use the server's clock too, one clock for every node. Redis 6.2 or later
// is needed, with an eviction policy that evicts nothing (noeviction):
// a log missing its meta starts afresh.
//
// Each node's feed, one goroutine on a connection of its own, reads the
// stream in order with XREAD BLOCK and delivers every entry to the listener,
// its own and every other node's, so that all nodes deliver the same entries
// in the same order; the Ticket Listener.Deliver hands back is stored with
// each entry, after a mark naming the Log value that appended it. Append
// returns once its own feed has delivered the entries, or after about two
// seconds if Redis went away right after accepting them. Because entries are
// numbered consecutively, the feed knows when it missed some (trimmed before
// it read them, or a log created afresh: a new base) and calls Skip; the hub
// then ends its streams, and their clients resume from the log. A feed that
// finds the head below what it has delivered (Redis restarted from an older
// snapshot, or a lagging replica took over) raises the head, so that no id
// is issued twice, and the epoch, so that every feed skips. When Redis
// cannot be reached the feed logs it once, retries with a capped backoff,
// and resumes from where it was.
//
// Why blocking reads of the stream itself, not Pub/Sub: a Pub/Sub message
// published while a node is disconnected is lost to it, and a node would
// then need the stream anyway to find and fill the gap. Reading the stream
// gives each node every entry, in the log's order, exactly once; after an
// outage it resumes from the last id it read; and the consecutive numbering
// turns any loss (trimming that outran a slow node, a Redis that restarted
// empty) into a Skip instead of a silent gap. Redis sends each entry once
// per node, however many streams the node serves.
//
// ReadAfter decides in one script call whether a stream lost history
// (store.Lost over the dropped index), then reads the newest entries from
// the feed's memory, so that a reconnect storm does not read the same
// entries from Redis once per stream, and the older ones from Redis in pages.
// Errors of an unreachable (or not yet ready) Redis wrap
// ssehub.ErrUnavailable: a publisher may retry, with an idempotency key to
// be sure it publishes once.
//
// # Sentinel, Redis Cluster and failovers
//
// [Open] connects to one Redis, to a primary found through Sentinel
// (go-redis's failover client, which follows the sentinels'
// announcements), or to a Redis Cluster (its cluster client). Commands are
// never retried, and a cluster's MOVED replies are not followed: a write
// that did not run answers ssehub.ErrUnavailable (503) and the publisher
// retries, with an idempotency key to be safe. In a Redis Cluster each
// script's keys share a hash tag ({log}, {presence}), so the ordered log
// lives in one slot, on one master at a time: a cluster spreads the
// presence and the log over two masters, not one log over many.
//
// The feed's connection goes to the server holding the log (the primary,
// or the master of the log's slot). After any error (the connection
// refused or broken, READONLY, MOVED, a blocked read ended because the
// server became a replica) it is dropped and dialled again, asking again
// where the log lives, and the feed resumes from its position. A feed
// that has read nothing for feedStall (3 s, three blocking reads) while
// the log's head, read through the pool, is ahead of it, or whose read got
// no answer by its deadline while the server still answers PING, is
// stalled: it is logged, counted and its connection re-established the
// same way. Log.FailoverStats counts failovers, primary changes and these
// re-establishments; Log.Check (hence /readyz) fails while the feed cannot
// read or the log's server refuses a write, Cluster.Check while the kick
// channel is not subscribed on the server that takes writes (a probe
// published there each second must come back: a subscription left on a
// hung or demoted primary is made again), and both recover by themselves.
//
// A failover may lose entries the primary acknowledged before a replica
// had them. The head then goes back below ids already delivered; the first
// to notice raises it (a feed reading the state, or an append, which
// numbers above what its own node delivered), with the floor and a new
// epoch: every feed skips through the lost numbering, and a stream
// positioned before it resumes with a reset, never a silent gap. No id is
// issued twice, except by a node that started after the loss and appended
// before any older node noticed it.
//
// # The cluster
//
// A [Cluster] shares what each node alone knows: its own streams. Every node
// writes its presence under its own keys (see presenceKeys: the client ids
// with streams there, in id order, their counts and stream details), from a
// single goroutine that coalesces the changes of a connect storm into a few
// pipelined writes; a stream's opening waits for the write that includes it,
// so it is visible from every node before its client sees the response. The
// node is the authority: after any failure (Redis unreachable, restarted
// empty, or the node's record taken for dead) it rewrites its whole presence
// from its own registry, into new keys that replace the old at once.
//
// Each node refreshes a liveness record every NodeTTL/5 (2 s by default);
// readers count only the nodes whose record has not expired, so the streams
// of a node that died stop being counted NodeTTL (10 s) after its last
// refresh, and the next refresh of any node deletes its keys. A node that
// closes cleanly removes its record at once. Every time is Redis's clock.
//
// GET /clients merges each other node's smallest ids after the cursor with
// the node's own; the per-client stream limit and the kick's not-before rule
// read the other nodes' counts and the latest kick in one script when a
// stream opens. A kick is published on a channel; each node ends the
// client's streams that opened before it. When the hubs remember kicks
// (ssehub.Config.KickLimit; with an Authorizer, by default) it is also
// recorded in Redis, for KickMemory and at most KickLimit of them (a kick
// beyond the limit forgets the oldest), and on every (re)subscription a
// node applies the newest KickLimit kicks Redis remembers, which Pub/Sub
// alone would lose during an outage. Without an Authorizer nothing is
// recorded: a kick only ends streams. When Redis
// cannot be asked, streams still open on the node's own checks, and
// presence requests answer ssehub.ErrUnavailable (503).
//
// Who imports it: cmd/ssehub (-redis, -redis-sentinel, -redis-cluster),
// and an application that runs several hubs on one Redis. It imports
// ssehub and store.
package redis
