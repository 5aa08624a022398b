package store

import (
	"iter"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/storekit"
	"github.com/ssehub/ssehub/selector"
)

// A TargetKey names one way an event reaches streams: everyone, one client
// id, or one topic. A message has the keys of its targets (MessageKeys), a
// subscription the keys that reach it (SubscriptionKeys); the two share a
// key exactly when the subscription receives the message
// (ssehub.Subscription.Receives). Logs remember dropped entries by these
// keys (see DroppedIndex), in their stored form: String returns it ("*"
// everyone, "c" then a client id, "t" then a topic), ParseTargetKey reads
// it back.
//
// Its Kind is TargetBroadcast, TargetClient or TargetTopic; Name is the
// client id or topic, empty for a broadcast.
type TargetKey = storekit.TargetKey

// A TargetKind is the kind of a TargetKey: whom the key reaches.
type TargetKind = storekit.TargetKind

// The kinds of TargetKey. A decoder compares a parsed key's Kind with them
// to rebuild a message's targets.
const (
	TargetBroadcast = storekit.TargetBroadcast // everyone
	TargetClient    = storekit.TargetClient    // one client id
	TargetTopic     = storekit.TargetTopic     // one topic
)

// ParseTargetKey returns the TargetKey whose stored form (see
// TargetKey.String) is s, or false if s is none.
func ParseTargetKey(s string) (TargetKey, bool) { return storekit.ParseTargetKey(s) }

// MessageKeys returns m's target keys: the broadcast key if m is a
// broadcast, then one key per client id, then one per topic, in m's order.
func MessageKeys(m *ssehub.Message) iter.Seq[TargetKey] {
	return storekit.MessageKeys(m.Broadcast, m.Clients, m.Topics)
}

// SubscriptionKeys returns the target keys that reach a stream subscribed
// with s: the broadcast key, s's client id's, then one per topic. For a
// Mercure subscription (s.Selectors set) they are only its topic keys:
// one per topic and per exact selector; its templates and "*" may match
// any topic, so Lost counts every dropped entry against such a stream
// (whatever keys a log looked up for it).
func SubscriptionKeys(s *ssehub.Subscription) iter.Seq[TargetKey] {
	if len(s.Selectors) > 0 {
		var exact []string
		for _, sel := range s.Selectors {
			if selector.KindOf(sel) == selector.Exact {
				exact = append(exact, sel)
			}
		}
		keys, _ := storekit.SelectorKeys(s.Topics, exact)
		return keys
	}
	return storekit.SubscriptionKeys(s.Client, s.Topics)
}
