package ssehub

import (
	"context"
	"errors"
	"strconv"
)

// A Log is the ordered, retained history of published messages, and the
// source from which a Hub delivers them.
//
// Sequence numbers are assigned by the log, start above zero, and increase by
// one per entry. They are the event ids clients see (in decimal) and send back
// in Last-Event-ID, so a durable log keeps them increasing across restarts.
//
// Implementations must be safe for concurrent use.
type Log interface {
	// Listen sets the function the log calls with every appended entry: in
	// sequence order, one call at a time, each entry once. A Hub calls Listen
	// once, before its first Append. fn must not block; it only queues.
	Listen(fn func(*Entry))

	// Append records m (already validated), assigns it the next sequence
	// number, and returns the entry once it is durable and has been passed to
	// the listener. On error nothing was recorded or delivered. The log may
	// keep m's slices; the caller must not change them afterwards.
	Append(ctx context.Context, m *Message) (*Entry, error)

	// ReadAfter calls fn, in order, with each retained entry whose sequence
	// number is greater than after, up to the newest entry at the time of the
	// call, and returns that newest sequence number (the head). fn is called
	// without any lock held. An error from fn stops the read and is returned.
	//
	// When entries after `after` are no longer retained, or `after` is newer
	// than the head, ReadAfter calls fn for nothing and returns the head with
	// ErrNotRetained. A log that reads in parts may also return
	// ErrNotRetained after some calls of fn, if retention drops the entries
	// still to be read while fn is slow.
	ReadAfter(ctx context.Context, after uint64, fn func(*Entry) error) (head uint64, err error)

	// Close releases the log. Append and ReadAfter must not be called after.
	Close() error
}

// A BatchLog is a Log that can append several messages at once: all of them
// or none, with consecutive sequence numbers, and (for a durable log) in one
// commit. Hub.PublishBatch uses it when the Log has it.
type BatchLog interface {
	Log
	// AppendBatch is Append for several messages: it returns their entries,
	// in order, once all are durable and have been passed to the listener;
	// on error none was recorded or delivered.
	AppendBatch(ctx context.Context, msgs []*Message) ([]*Entry, error)
}

// ErrNotRetained is returned by Log.ReadAfter when the entries after the given
// sequence number cannot all be read: they were dropped by retention, or the
// number was never issued by this log.
var ErrNotRetained = errors.New("entries after that id are not retained")

// Visit calls fn with each entry in order until fn returns an error or ctx
// ends, and returns that error. Log implementations end ReadAfter with it,
// once no lock is held.
func Visit(ctx context.Context, entries []*Entry, fn func(*Entry) error) error {
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// ErrClosed is returned by Publish after Shutdown has begun, and by a Log
// after Close.
var ErrClosed = errors.New("ssehub: closed")

// FormatID returns the event id for sequence number seq.
func FormatID(seq uint64) string { return strconv.FormatUint(seq, 10) }

// ParseID returns the sequence number in an event id. Ids this hub did not
// issue (not a decimal number) report ok == false; they are not an error for
// a client, whose stream then starts with a reset event.
func ParseID(id string) (seq uint64, ok bool) {
	seq, err := strconv.ParseUint(id, 10, 64)
	return seq, err == nil
}
