package ssehub

import "time"

// A Message is what a publisher hands the hub: one event and who receives it.
// At least one of Clients, Topics and Broadcast must be set; a connection that
// matches several targets receives the event once.
type Message struct {
	Clients   []string // every open connection of these client ids
	Topics    []string // every connection subscribed to one of these topics
	Broadcast bool     // every connection

	// Type is the SSE event type ("event:" field). Empty means the default
	// "message" type, the one EventSource.onmessage sees.
	Type string
	// Data is the event's payload. It may hold any bytes, including line
	// breaks; each line break reaches the client as LF, the only one SSE carries.
	Data []byte

	// Ephemeral marks a live-only event: it goes to the streams open now,
	// without an "id:" line, and is never recorded in the Log, so it is
	// never replayed to a client that reconnects (whose Last-Event-ID keeps
	// naming the last recorded event), costs no write to a durable log, and
	// takes no room in the history. It is ordered with nothing: a stream
	// gets recorded events in id order whatever ephemeral ones come between.
	// Suits a clock, a typing indicator, a progress bar: what is stale once
	// missed.
	Ephemeral bool
}

// An Entry is a Message as recorded in a Log: with its sequence number (the
// event id clients see, in decimal) and the time it was appended.
// Entries are immutable once appended.
type Entry struct {
	Seq  uint64
	Time time.Time
	Message
}

// ID returns the event id clients see for e.
func (e *Entry) ID() string { return formatID(e.Seq) }

// entryOverhead is about what an entry costs a log besides its bytes: the
// struct, slice headers, pointers, an index slot.
const entryOverhead = 160

// Size is about the bytes e takes in a log: its data, type and targets and
// a fixed overhead. Retention.MaxBytes bounds the sum.
func (e *Entry) Size() int {
	n := entryOverhead + len(e.Type) + len(e.Data)
	for _, c := range e.Clients {
		n += 16 + len(c)
	}
	for _, t := range e.Topics {
		n += 16 + len(t)
	}
	return n
}
