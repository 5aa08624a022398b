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
// In terms of target keys (see package store): s receives m when m's and
// s's keys share one.
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
