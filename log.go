package ssehub

import (
	"context"
	"errors"
	"strconv"
)

// A Log is the ordered, retained history of published messages, and the
// source from which a Hub delivers them. A Hub relies on exactly what this
// documentation states; internal/logtest checks it for every implementation.
//
// Sequence numbers are assigned by the log, start above zero, and increase by
// one per entry. They are the event ids clients see (in decimal) and send back
// in Last-Event-ID, so a durable log keeps them increasing across restarts.
//
// # Delivery
//
// The log hands every entry to its [Listener]'s Deliver exactly once, in
// sequence order, one call at a time; or, when it cannot (a shared log whose
// feed lost entries), it calls Skip instead, never silently leaving a gap.
//
// # Positions
//
// The head ReadAfter reports is at least the sequence number of every entry
// whose Deliver call has begun, and every number passed to Skip, before
// ReadAfter was called. That is what makes the hand-over from replay to live
// delivery exact: a stream registered with the hub before it calls
// ReadAfter either is reached by an entry's Deliver, or finds the entry
// within the head. The head may be newer than what has been delivered (an
// entry recorded but not yet handed to Deliver): the hub ignores a delivery
// it has already replayed.
//
// (The other way to close that gap, a hub that trusts no head beyond the
// entries it has itself delivered, would make every resuming stream wait on
// the hub's own fan-out, and on a shared log on the slowest node's feed. A
// log knows its own head at once; the rule asks only that it not report one
// older than what its listener is already handling.)
//
// Implementations must be safe for concurrent use.
type Log interface {
	// Listen sets the listener. A Hub calls Listen once, before its first
	// Append.
	Listen(l Listener)

	// Append records m (already validated), assigns it the next sequence
	// number, and returns the entry once it is durable and Deliver has been
	// called with it and ticket (or Skip with a number at least its own). On
	// error nothing was recorded or delivered. The log may keep m's slices;
	// the caller must not change them afterwards. The entry returned may be
	// a different value from the one Deliver received, with the same
	// contents.
	//
	// A shared log whose feed cannot reach the listener in time (its
	// store became unreachable right after accepting m) may return the
	// durable entry before Deliver; Deliver (or Skip) follows when the feed
	// catches up. An error wrapping ErrUnavailable means the store could
	// not be reached: nothing was recorded, unless the store accepted m
	// just as the connection failed (a publisher that must know retries
	// with an idempotency key; see IdempotentLog).
	Append(ctx context.Context, m *Message, ticket Ticket) (*Entry, error)

	// ReadAfter calls fn, in order, with each retained entry that sub
	// receives (see Subscription.Receives; every entry when sub is nil)
	// whose sequence number is greater than after, up to the newest entry
	// at the time of the call, and returns that newest sequence number (the
	// head; see Positions). fn is called without any lock held. An error
	// from fn stops the read and is returned.
	//
	// If after was never issued by this log (it is newer than the head, or
	// older than where the log's numbering began), ReadAfter calls fn for
	// nothing and returns the head with ErrUnknownPosition. If an entry
	// after `after` that sub receives is no longer retained, it calls fn
	// for nothing and returns the head with ErrNotRetained; a log that
	// cannot tell which targets the entries it dropped had (see
	// store.DroppedIndex) may report so for any dropped entry. A log that reads in
	// parts may also return ErrNotRetained after some calls of fn, if
	// retention drops entries still to be read while fn is slow.
	ReadAfter(ctx context.Context, after uint64, sub *Subscription, fn func(*Entry) error) (head uint64, err error)

	// Close releases the log. Append and ReadAfter must not be called after.
	Close() error
}

// A Ticket is what a Hub hands its Log with each message it appends, and
// gets back with that message's entry from Listener.Deliver: it is how the
// hub tells the entries of its own appends (whose publishers wait on them)
// from entries recorded elsewhere, whatever values the log makes and
// passes around. A log hands it back unchanged and gives it no other
// meaning; it need not keep it once the entry is delivered. The zero Ticket
// is no ticket. (Like a cloakroom ticket: the hub keeps what it stands for.)
type Ticket uint64

// A Listener receives a Log's entries as they are recorded. A Hub is one.
type Listener interface {
	// Deliver is called once per entry, in sequence order, one call at a
	// time. ticket is the Ticket handed, with e's message, to the Append,
	// AppendBatch or AppendOnce of this Log value that recorded e; zero
	// when e was recorded elsewhere (by another process sharing the log)
	// or was given none. Deliver must not block: it queues.
	Deliver(e *Entry, ticket Ticket)

	// Skip says that continuity is broken: the entries numbered up to and
	// including through that have not been delivered never will be (a
	// shared log's feed lost them: a dropped connection, entries trimmed
	// before they were read, a store that restarted empty). The next
	// entry delivered is numbered above through. The listener must assume
	// that anything it serves may have missed an entry.
	Skip(through uint64)
}

// A BatchLog is a Log that can append several messages at once: all of them
// or none, with consecutive sequence numbers, and (for a durable log) in one
// commit. Hub.PublishBatch uses it when the Log has it.
type BatchLog interface {
	Log
	// AppendBatch is Append for several messages: it returns their entries,
	// in order, once all are durable and have been delivered; on error none
	// was recorded or delivered. tickets[i] is msgs[i]'s Ticket; tickets
	// may be nil: no tickets.
	AppendBatch(ctx context.Context, msgs []*Message, tickets []Ticket) ([]*Entry, error)
}

// ErrNotRetained is returned by Log.ReadAfter when an entry after the given
// sequence number that the subscription receives is no longer retained.
var ErrNotRetained = errors.New("entries after that id are no longer retained")

// ErrUnavailable is wrapped by the errors of a Log whose store cannot be
// reached (a network log whose server is down). The HTTP API answers 503:
// the publisher may try again.
var ErrUnavailable = errors.New("the log's store is unavailable")

// ErrUnknownPosition is returned by Log.ReadAfter for a sequence number the
// log never issued: newer than its head, or older than its numbering (a
// memory log started afresh, say).
var ErrUnknownPosition = errors.New("that id was never issued by this log")

// ErrClosed is returned by Publish after Shutdown has begun, and by a Log
// after Close.
var ErrClosed = errors.New("ssehub: closed")

// formatID returns the event id for sequence number seq.
func formatID(seq uint64) string { return strconv.FormatUint(seq, 10) }

// parseID returns the sequence number in an event id. Ids this hub did not
// issue (not a decimal number) report ok == false; they are not an error for
// a client, whose stream then starts with a reset event.
func parseID(id string) (seq uint64, ok bool) {
	seq, err := strconv.ParseUint(id, 10, 64)
	return seq, err == nil
}

// minSeqID is the smallest sequence number the built-in logs issue: they
// number from the microseconds since 1970 when they are created (10^15 is
// in 2001), so that ids from before a restart are never taken for new ones.
const minSeqID = 1_000_000_000_000_000

// isSeqID reports whether id has the form of the hub's own ids: a decimal
// number of at least minSeqID. A publisher's event id may not have it: a
// client resuming from the hub's id must never land after a publisher's
// event that took the same id (skipping what came between). Smaller
// numbers (a database row's id, say) stay a publisher's to use.
func isSeqID(id string) bool {
	seq, ok := parseID(id)
	return ok && seq >= minSeqID
}

// An EventIDLog finds entries by the Message.EventID they were appended
// with, so that a client resuming after such an id resumes exactly. The
// Hub uses it, when its Log has it, to resolve a Last-Event-ID that is not
// one of its sequence numbers.
type EventIDLog interface {
	Log
	// SeqOf returns the sequence number of the newest retained entry
	// appended with EventID id. found is false when no retained entry has
	// it (never appended, or dropped by retention); the index of ids is
	// bounded by the log's retention, as its entries are.
	SeqOf(ctx context.Context, id string) (seq uint64, found bool, err error)
}

// An OldestLog tells where its retained history begins. A Hub uses it,
// when its Log has it, for a Mercure subscriber that asks for all of it
// (Last-Event-ID "earliest", see Earliest).
type OldestLog interface {
	Log
	// Oldest returns the sequence number just before the oldest retained
	// entry (the head when none is retained): ReadAfter from there reads
	// every retained entry, unless retention drops some meanwhile.
	Oldest(ctx context.Context) (uint64, error)
}

// An IdempotentLog remembers the idempotency keys appends were made under,
// so that a publisher can retry without publishing twice. A Hub uses it for
// PublishOnce.
type IdempotentLog interface {
	BatchLog
	// AppendOnce is AppendBatch under an idempotency key. If key was used
	// within the log's key window (Retention.KeyWindow) it appends nothing
	// and returns the sequence numbers that append got, in order (earlier;
	// a message that was not appended, an ephemeral one, has 0 there), or
	// ErrKeyReused if that append was of other messages (another digest).
	// Otherwise it appends msgs as AppendBatch does and remembers key with
	// digest and the new sequence numbers (those of msgs, 0 for each nil
	// message: msgs may hold nils for messages not to append), durably if
	// the log is, in the same commit. tickets are the messages' Tickets, as
	// for AppendBatch (tickets[i] goes with msgs[i], nil or not). Concurrent
	// AppendOnce calls with one key append once.
	AppendOnce(ctx context.Context, key string, digest [32]byte, msgs []*Message, tickets []Ticket) (entries []*Entry, earlier []uint64, err error)
}

// ErrKeyReused is returned by IdempotentLog.AppendOnce, and by
// Hub.PublishOnce, for an idempotency key used before with other messages.
var ErrKeyReused = errors.New("idempotency key already used for other messages")
