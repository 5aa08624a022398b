package ssehub

import (
	"slices"
	"time"

	"github.com/ssehub/ssehub/selector"
)

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

	// EventID, when set, is the id clients see in the event's "id:" field
	// instead of its sequence number: the publisher's own id, as Mercure
	// publishers may choose one. It must not hold CR, LF or NUL, nor be
	// longer than MaxNameLen. A Log that is an EventIDLog finds the entry
	// by it again, so that a client that resumes with it resumes exactly.
	// Not with Ephemeral.
	EventID string

	// Private marks an event for authorized subscribers only: it reaches a
	// stream only when one of its topics matches one of the stream's
	// Subscription.Private selectors. It needs Topics; Clients and
	// Broadcast do not widen it.
	Private bool

	// Retry, when positive, is sent with the event as its "retry:" field
	// (whole milliseconds): how long a client waits before it reconnects.
	Retry time.Duration
}

// A Subscription says what one stream receives: the events published to its
// client id, to any of its topics, and broadcasts.
type Subscription struct {
	Client string
	Topics []string

	// Expires, when not zero, is when the stream ends: the credentials it
	// was opened with are no longer valid then (see Authorizer). Its client
	// must come back with new ones.
	Expires time.Time

	// Issued, when not zero, is when those credentials were issued. After
	// Hub.Kick(client), streams of that client whose credentials were
	// issued before the kick are refused (see Config.KickMemory), on a hub
	// that remembers kicks (see Config.KickLimit).
	Issued time.Time

	// Selectors choose events by topic the way Mercure subscribers do:
	// each is an exact topic, an RFC 6570 URI template that an event's
	// topic may match (https://example.com/books/{id}), or "*" for every
	// topic. A stream with Selectors receives only events that have a
	// topic one of them matches (besides its Topics): no broadcasts, and
	// no events sent to its client id alone. It is served as the Mercure
	// hub serves a subscription (see Hub.ServeStream).
	Selectors []string

	// Private lists the selectors (same forms as Selectors) whose private
	// events the stream may receive: a private event reaches it only when
	// one of the event's topics matches one of them.
	Private []string
}

// Receives reports whether a stream subscribed with s receives m. It is the
// one definition of targeting: replay filters with it, and live delivery
// reaches exactly the streams it names (the hub's index is keyed by the same
// target keys and selectors; a property test holds the two together).
//
// A stream without Selectors receives m when m is a broadcast, names s's
// client id, or has one of s's topics: in terms of target keys (see package
// store), when m's and s's keys share one. A stream with Selectors (a
// Mercure subscription) receives m only when one of m's topics is one of
// s's Topics or is matched by one of its Selectors (see package selector).
// Either way, a private m is received only when one of its topics is
// matched by one of s.Private.
func (s *Subscription) Receives(m *Message) bool {
	if m.Private && !selector.MatchAny(s.Private, m.Topics) {
		return false
	}
	if len(s.Selectors) == 0 && (m.Broadcast || slices.Contains(m.Clients, s.Client)) {
		return true
	}
	for _, t := range m.Topics {
		if slices.Contains(s.Topics, t) {
			return true
		}
	}
	return selector.MatchAny(s.Selectors, m.Topics)
}

// An Entry is a Message as recorded in a Log: with its sequence number (the
// event id clients see, in decimal) and the time it was appended.
// Entries are immutable once appended.
type Entry struct {
	Seq  uint64
	Time time.Time
	Message
}

// ID returns the event id clients see for e: its EventID when it has one,
// else its sequence number in decimal.
func (e *Entry) ID() string {
	if e.EventID != "" {
		return e.EventID
	}
	return formatID(e.Seq)
}

// entryOverhead is about what an entry costs a log besides its bytes: the
// struct, slice headers, pointers, an index slot.
const entryOverhead = 160

// Size is about the bytes e takes in a log: its data, type and targets and
// a fixed overhead. Retention.MaxBytes bounds the sum.
func (e *Entry) Size() int {
	n := entryOverhead + len(e.Type) + len(e.Data) + len(e.EventID)
	for _, c := range e.Clients {
		n += 16 + len(c)
	}
	for _, t := range e.Topics {
		n += 16 + len(t)
	}
	return n
}
