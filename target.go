package ssehub

import (
	"slices"
	"time"
)

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
}

// Receives reports whether a stream subscribed with s receives m. It is the
// one definition of targeting: replay filters with it, and live delivery
// reaches exactly the streams it names (the hub's index is keyed by the same
// target keys; a property test holds the two together).
//
// In terms of target keys: s receives m when m's and s's keys share one.
func (s *Subscription) Receives(m *Message) bool {
	if m.Broadcast || slices.Contains(m.Clients, s.Client) {
		return true
	}
	for _, t := range m.Topics {
		if slices.Contains(s.Topics, t) {
			return true
		}
	}
	return false
}

// A TargetKey names one way an event reaches streams: everyone, one client
// id, or one topic. A message has the keys of its targets, a subscription
// the keys that reach it; the two share a key exactly when the subscription
// receives the message. Logs remember dropped entries by these keys (see
// DroppedIndex), in their stored form (String, ParseTargetKey).
type TargetKey struct {
	Kind TargetKind // TargetBroadcast, TargetClient or TargetTopic
	Name string     // the client id or topic; empty for TargetBroadcast
}

// targetKeyPrefixes are the first bytes of the stored forms of the kinds
// of TargetKey. Stores hold them in their files: they never change.
var targetKeyPrefixes = [...]byte{TargetBroadcast: '*', TargetClient: 'c', TargetTopic: 't'}

// String returns k's stored form: its kind's byte ("*" everyone, "c" a
// client id, "t" a topic), then its name.
func (k TargetKey) String() string {
	if int(k.Kind) >= len(targetKeyPrefixes) {
		return "?" + k.Name
	}
	return string(rune(targetKeyPrefixes[k.Kind])) + k.Name
}

// ParseTargetKey returns the TargetKey whose stored form (see String) is s,
// or false if s is none.
func ParseTargetKey(s string) (TargetKey, bool) {
	if s == "" {
		return TargetKey{}, false
	}
	for kind, prefix := range targetKeyPrefixes {
		if s[0] == prefix {
			k := TargetKey{Kind: TargetKind(kind), Name: s[1:]}
			return k, k.Kind != TargetBroadcast || k.Name == ""
		}
	}
	return TargetKey{}, false
}

// EachTargetKey calls fn with each of m's target keys.
func (m *Message) EachTargetKey(fn func(TargetKey)) {
	if m.Broadcast {
		fn(TargetKey{Kind: TargetBroadcast})
	}
	for _, c := range m.Clients {
		fn(TargetKey{Kind: TargetClient, Name: c})
	}
	for _, t := range m.Topics {
		fn(TargetKey{Kind: TargetTopic, Name: t})
	}
}

// EachTargetKey calls fn with each target key that reaches a stream
// subscribed with s.
func (s *Subscription) EachTargetKey(fn func(TargetKey)) {
	fn(TargetKey{Kind: TargetBroadcast})
	fn(TargetKey{Kind: TargetClient, Name: s.Client})
	for _, t := range s.Topics {
		fn(TargetKey{Kind: TargetTopic, Name: t})
	}
}
