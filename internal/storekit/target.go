package storekit

import (
	"iter"

	"github.com/ssehub/ssehub/selector"
)

// A TargetKind is whom a published message is for (each message has one,
// counted by the hub's Metrics) and the kind of a TargetKey
// (TargetBroadcast, TargetClient or TargetTopic; a key is never
// TargetMixed). Package store exports it, and the kinds of a key, for
// store authors; the hub counts messages under String's labels.
type TargetKind uint8

// The TargetKinds.
const (
	TargetBroadcast TargetKind = iota // everyone (a message: whatever else it names)
	TargetClient                      // client ids (a message: client ids only)
	TargetTopic                       // topics (a message: topics only)
	TargetMixed                       // a message to client ids and topics
	NumTargetKinds                    // how many TargetKinds there are
)

var targetKindNames = [NumTargetKinds]string{"broadcast", "client", "topic", "mixed"}

// String returns the name of k as a label value.
func (k TargetKind) String() string {
	if int(k) < len(targetKindNames) {
		return targetKindNames[k]
	}
	return "unknown"
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

// ParseTargetKey returns the TargetKey whose stored form (see
// TargetKey.String) is s, or false if s is none.
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

// MessageKeys returns the target keys of a message with these targets: the
// broadcast key if broadcast, then one key per client id, then one per
// topic. Stores keep keys in this order (package redis's entry encoding).
// It is small enough to inline, so ranging over it allocates nothing.
func MessageKeys(broadcast bool, clients, topics []string) iter.Seq[TargetKey] {
	return func(yield func(TargetKey) bool) { yieldMessageKeys(broadcast, clients, topics, yield) }
}

// SubscriptionKeys returns the target keys that reach a stream of client
// subscribed to topics: the broadcast key, the client's, then one per
// topic.
func SubscriptionKeys(client string, topics []string) iter.Seq[TargetKey] {
	return func(yield func(TargetKey) bool) {
		if yield(TargetKey{Kind: TargetBroadcast}) && yield(TargetKey{Kind: TargetClient, Name: client}) {
			yieldMessageKeys(false, nil, topics, yield)
		}
	}
}

// yieldMessageKeys yields the keys of these targets, and reports whether
// yield wants more.
func yieldMessageKeys(broadcast bool, clients, topics []string, yield func(TargetKey) bool) bool {
	if broadcast && !yield(TargetKey{Kind: TargetBroadcast}) {
		return false
	}
	for _, c := range clients {
		if !yield(TargetKey{Kind: TargetClient, Name: c}) {
			return false
		}
	}
	for _, t := range topics {
		if !yield(TargetKey{Kind: TargetTopic, Name: t}) {
			return false
		}
	}
	return true
}

// SelectorKeys returns the target keys that reach a Mercure subscription
// (one with selectors; see ssehub.Subscription.Selectors): one per topic
// and per exact selector, and neither the broadcast key nor a client's,
// which do not reach it. ok is false when a selector is a URI template or
// "*": it may match any topic key, so no list names every key that reaches
// the subscription, and a log must then count every dropped entry as one
// it may have received (the nil keys of Lost).
func SelectorKeys(topics, selectors []string) (keys iter.Seq[TargetKey], ok bool) {
	for _, sel := range selectors {
		if selector.KindOf(sel) != selector.Exact {
			return nil, false
		}
	}
	return func(yield func(TargetKey) bool) {
		if yieldMessageKeys(false, nil, topics, yield) {
			yieldMessageKeys(false, nil, selectors, yield)
		}
	}, true
}
