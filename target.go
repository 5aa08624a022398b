package ssehub

import "slices"

// A Subscription says what one stream receives: the events published to its
// client id, to any of its topics, and broadcasts.
type Subscription struct {
	Client string
	Topics []string
}

// Validate reports whether s can be served; its errors match ErrInvalid.
func (s *Subscription) Validate() error {
	if err := ValidateName("client id", s.Client); err != nil {
		return err
	}
	if len(s.Topics) > MaxTargets {
		return invalid("too many topics: %d, at most %d", len(s.Topics), MaxTargets)
	}
	for _, t := range s.Topics {
		if err := ValidateName("topic", t); err != nil {
			return err
		}
	}
	return nil
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

// Target keys name the ways an event reaches streams, as strings a durable
// log can store: everyone, one client id, one topic. A message has the keys
// of its targets, a subscription the keys that reach it; the two share a key
// exactly when the subscription receives the message.
const (
	everyoneKey  = "*"
	clientPrefix = "c"
	topicPrefix  = "t"
)

// TargetKeys returns m's target keys.
func (m *Message) TargetKeys() []string {
	keys := make([]string, 0, len(m.Clients)+len(m.Topics)+1)
	if m.Broadcast {
		keys = append(keys, everyoneKey)
	}
	for _, c := range m.Clients {
		keys = append(keys, clientPrefix+c)
	}
	for _, t := range m.Topics {
		keys = append(keys, topicPrefix+t)
	}
	return keys
}

// TargetKeys returns the target keys that reach a stream subscribed with s.
func (s *Subscription) TargetKeys() []string {
	keys := make([]string, 0, len(s.Topics)+2)
	keys = append(keys, everyoneKey, clientPrefix+s.Client)
	for _, t := range s.Topics {
		keys = append(keys, topicPrefix+t)
	}
	return keys
}
