package ssehub

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ssehub/ssehub/sse"
)

// Limits on what a Message may hold. They keep one publish from pinning
// unbounded memory in every connection queue and in the log.
const (
	// MaxTargets is the most client ids plus topics one message may name.
	MaxTargets = 1000
	// MaxNameLen is the longest client id, topic or event type, in bytes.
	MaxNameLen = 256
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
}

// ErrInvalid is matched (errors.Is) by every error about input the hub
// refuses: a message it cannot publish, a subscription it cannot serve. The
// error's text says what is wrong in words fit for an API client.
var ErrInvalid = errors.New("invalid input")

type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(format string, args ...any) error {
	return &invalidError{fmt.Sprintf(format, args...)}
}

// Validate reports whether m can be published; its errors match ErrInvalid.
func (m *Message) Validate() error {
	if len(m.Clients) == 0 && len(m.Topics) == 0 && !m.Broadcast {
		return invalid("no target: set at least one of clients, topics or broadcast")
	}
	if n := len(m.Clients) + len(m.Topics); n > MaxTargets {
		return invalid("too many targets: %d clients and topics, at most %d", n, MaxTargets)
	}
	for _, c := range m.Clients {
		if err := ValidateName("client id", c); err != nil {
			return err
		}
	}
	for _, t := range m.Topics {
		if err := ValidateTopic(t); err != nil {
			return err
		}
	}
	if !utf8.Valid(m.Data) {
		return invalid("data is not valid UTF-8: an event stream carries text")
	}
	return ValidateEventType(m.Type)
}

// ValidateName checks a client id or topic: 1 to MaxNameLen bytes of UTF-8
// with no control characters. what names the kind of value in the error.
func ValidateName(what, s string) error {
	switch {
	case s == "":
		return invalid("empty %s", what)
	case len(s) > MaxNameLen:
		return invalid("%s longer than %d bytes", what, MaxNameLen)
	case !utf8.ValidString(s):
		return invalid("%s %q is not valid UTF-8", what, s)
	case strings.ContainsFunc(s, isControl):
		return invalid("%s %q contains a control character", what, s)
	}
	return nil
}

// ValidateTopic checks a topic: a name (see ValidateName) without "*".
// In a subscriber token's topics claim (jwtauth) a trailing "*" grants every
// topic with that prefix: were "*" allowed in topics, a backend that puts a
// user-chosen room name such as "news*" into a claim would grant
// "news-secret" too. Streams and messages are held to the same rule.
func ValidateTopic(t string) error {
	if err := ValidateName("topic", t); err != nil {
		return err
	}
	if strings.Contains(t, "*") {
		return invalid("topic %q contains \"*\", which topic names may not: in a token's topics claim \"*\" is a wildcard", t)
	}
	return nil
}

// ValidateEventType checks an SSE event type. The "event:" field ends at the
// first CR or LF, and a NUL makes browsers misbehave, so none may appear.
// Empty is valid: it means the default "message" type.
func ValidateEventType(s string) error {
	if len(s) > MaxNameLen {
		return invalid("event type longer than %d bytes", MaxNameLen)
	}
	if !sse.ValidField(s) {
		return invalid("event type %q contains CR, LF or NUL", s)
	}
	if !utf8.ValidString(s) {
		return invalid("event type %q is not valid UTF-8", s)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// An Entry is a Message as recorded in a Log: with its sequence number (the
// event id clients see, in decimal) and the time it was appended.
// Entries are immutable once appended.
type Entry struct {
	Seq  uint64
	Time time.Time
	Message
}

// ID returns the event id clients see for e.
func (e *Entry) ID() string { return FormatID(e.Seq) }

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
