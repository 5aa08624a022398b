package ssehub

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ssehub/ssehub/selector"
	"github.com/ssehub/ssehub/sse"
)

// This file is where names, messages, subscriptions and idempotency keys
// are validated, against the fixed limits below and a hub's Limits. Every
// error matches ErrInvalid, and its text is what an API client is told.

// Limits on what a publish may hold, whatever a hub's Limits. They keep one
// publish from pinning unbounded memory in every connection queue and in
// the log.
const (
	// MaxTargets is the most client ids plus topics one message may name.
	MaxTargets = 1000
	// MaxNameLen is the longest client id, topic or event type, in bytes.
	MaxNameLen = 256
	// MaxBatch is the most messages one PublishBatch or PublishOnce takes.
	MaxBatch = 1000
	// MaxKeyLen is the longest idempotency key PublishOnce takes, in bytes.
	MaxKeyLen = 256
)

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
	if err := validateEventType(m.Type); err != nil {
		return err
	}
	return m.validateMercure()
}

// validateMercure checks the fields Mercure publishes use: EventID,
// Private and Retry.
func (m *Message) validateMercure() error {
	if err := validateEventID(m.EventID); err != nil {
		return err
	}
	switch {
	case m.EventID != "" && m.Ephemeral:
		return invalid("an ephemeral event has no id: it is never recorded, so no client could resume after it")
	case m.Private && len(m.Topics) == 0:
		return invalid("a private event needs topics: who may see it is decided by its topics")
	case m.Retry < 0:
		return invalid("retry %v is negative", m.Retry)
	case m.Retry%time.Millisecond != 0:
		return invalid("retry %v is not a whole number of milliseconds", m.Retry)
	}
	return nil
}

// validateEventID checks a publisher's event id (Message.EventID): what
// can be sent in an "id:" field, at most MaxNameLen bytes of UTF-8, and
// not of the form of the hub's own ids (see isSeqID).
// Empty is valid: the event's id is then its sequence number.
func validateEventID(id string) error {
	switch {
	case len(id) > MaxNameLen:
		return invalid("event id longer than %d bytes", MaxNameLen)
	case !sse.ValidField(id):
		return invalid("event id %q contains CR, LF or NUL", id)
	case !utf8.ValidString(id):
		return invalid("event id %q is not valid UTF-8", id)
	case id == Earliest:
		return invalid("event id %q is reserved: Mercure subscribers send it to ask for all the history", id)
	case isSeqID(id):
		// The hub's own ids are decimal numbers (events without an id,
		// every stream's prologue and heartbeats): a client resuming from
		// the hub's "5" would land after a publisher's "5" instead.
		return invalid("event id %q has the form of the hub's own ids (a decimal number of 16 digits or more): use another form (a smaller number, a URN, a URL)", id)
	}
	return nil
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

// validateEventType checks an SSE event type. The "event:" field ends at the
// first CR or LF, and a NUL makes browsers misbehave, so none may appear.
// Empty is valid: it means the default "message" type.
func validateEventType(s string) error {
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

// Validate reports whether s can be served; its errors match ErrInvalid.
func (s *Subscription) Validate() error {
	if err := ValidateName("client id", s.Client); err != nil {
		return err
	}
	if len(s.Topics) > MaxTargets {
		return invalid("too many topics: %d, at most %d", len(s.Topics), MaxTargets)
	}
	for _, t := range s.Topics {
		if err := ValidateTopic(t); err != nil {
			return err
		}
	}
	if s.Payload != nil && !json.Valid(s.Payload) {
		return invalid("the subscription's payload is not valid JSON")
	}
	if err := validateSelectors("selectors", s.Selectors); err != nil {
		return err
	}
	return validateSelectors("private selectors", s.Private)
}

// validateSelectors checks a subscription's selectors (Selectors or
// Private; what names which): at most MaxTargets, each valid (see
// ValidateSelector).
func validateSelectors(what string, selectors []string) error {
	if len(selectors) > MaxTargets {
		return invalid("too many %s: %d, at most %d", what, len(selectors), MaxTargets)
	}
	for _, sel := range selectors {
		if err := ValidateSelector(sel); err != nil {
			return err
		}
	}
	return nil
}

// ValidateSelector checks a topic selector (see Subscription.Selectors):
// "*"; an RFC 6570 URI template (one with "{") of 1 to MaxNameLen bytes of
// UTF-8 without control characters; or an exact topic, held to
// ValidateTopic's rules.
func ValidateSelector(sel string) error {
	switch selector.KindOf(sel) {
	case selector.All:
		return nil
	case selector.Template:
		if err := ValidateName("selector", sel); err != nil {
			return err
		}
		if err := selector.ParseTemplate(sel); err != nil {
			return invalid("%v", err)
		}
		return nil
	}
	return ValidateTopic(sel)
}

// The checks a hub makes: the fixed limits, then its own Limits.

// checkMessage checks m as Message.Validate does, then against MaxNameLen.
func (l Limits) checkMessage(m *Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return l.checkNameLens(m.Clients, m.Topics)
}

// checkMessages checks each of msgs (checkMessage), naming the first
// invalid one by its index.
func (l Limits) checkMessages(msgs []Message) error {
	for i := range msgs {
		if err := l.checkMessage(&msgs[i]); err != nil {
			return invalid("message %d: %v", i, err)
		}
	}
	return nil
}

// checkBatch checks the messages of a PublishBatch.
func (l Limits) checkBatch(msgs []Message) error {
	if len(msgs) > MaxBatch {
		return invalid("batch of %d messages: at most %d", len(msgs), MaxBatch)
	}
	return l.checkMessages(msgs)
}

// checkOnce checks the key and the messages of a PublishOnce.
func (l Limits) checkOnce(key string, msgs []Message) error {
	if err := validateKey(key); err != nil {
		return err
	}
	if len(msgs) == 0 || len(msgs) > MaxBatch {
		return invalid("a publish of %d messages: give 1 to %d", len(msgs), MaxBatch)
	}
	return l.checkMessages(msgs)
}

// checkSubscription checks sub against MaxTopics (first, so that a stream
// over both it and MaxTargets is told the limit it can act on), as
// Subscription.Validate does, then against MaxNameLen.
func (l Limits) checkSubscription(sub *Subscription) error {
	if n := len(sub.Topics) + len(sub.Selectors); l.MaxTopics > 0 && n > l.MaxTopics {
		if len(sub.Selectors) > 0 {
			return invalid("too many topics and selectors: %d, at most %d", n, l.MaxTopics)
		}
		return invalid("too many topics: %d, at most %d", n, l.MaxTopics)
	}
	if err := sub.Validate(); err != nil {
		return err
	}
	if err := l.checkNameLens([]string{sub.Client}, sub.Topics); err != nil {
		return err
	}
	if err := l.checkNameLens(nil, sub.Selectors); err != nil {
		return err
	}
	return l.checkNameLens(nil, sub.Private)
}

// checkNameLens checks the lengths of client ids and topics against
// MaxNameLen.
func (l Limits) checkNameLens(clients, topics []string) error {
	if l.MaxNameLen <= 0 {
		return nil
	}
	for _, c := range clients {
		if len(c) > l.MaxNameLen {
			return invalid("client id longer than %d bytes", l.MaxNameLen)
		}
	}
	for _, t := range topics {
		if len(t) > l.MaxNameLen {
			return invalid("topic longer than %d bytes", l.MaxNameLen)
		}
	}
	return nil
}

// validateKey checks an idempotency key: 1 to MaxKeyLen bytes of printable
// ASCII.
func validateKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return invalid("idempotency key of %d bytes: give 1 to %d", len(key), MaxKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return invalid("idempotency key %q: use printable ASCII without spaces", key)
		}
	}
	return nil
}
