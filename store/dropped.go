package store

import (
	"iter"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/storekit"
)

// DefaultDroppedKeys (100,000) is how many target keys a DroppedIndex
// remembers when its MaxKeys is zero: about 10 MiB with short client ids.
const DefaultDroppedKeys = storekit.DefaultDroppedKeys

// A DroppedIndex remembers what a log's retention dropped, per target: the
// newest dropped entry sent to everyone, to each client id and to each topic.
// With it a stream that resumes from a position before the oldest retained
// entry is told its history is gone only when an entry it would have
// received is gone; the events of other clients pushing the window along do
// not cost it a reset. (ssehub.MemoryLog keeps one; a log that keeps its
// index in its store follows the same rules, with Lost.)
//
// It remembers at most MaxKeys targets. When it would hold more it forgets
// the older half and raises its floor to the newest entry it forgot: a
// position older than the floor counts as having lost something, for every
// stream. The zero value is ready to use.
type DroppedIndex struct {
	MaxKeys int // zero means DefaultDroppedKeys

	keys storekit.DroppedIndex
}

// Drop records that retention dropped entry e.
func (d *DroppedIndex) Drop(e *ssehub.Entry) {
	d.keys.MaxKeys = d.MaxKeys
	d.keys.Drop(e.Seq, e.Broadcast, e.Clients, e.Topics)
}

// Lost reports whether a stream subscribed with sub (nil: one that receives
// everything) and positioned at after lost an entry that was dropped.
func (d *DroppedIndex) Lost(sub *ssehub.Subscription, after uint64) bool {
	return d.keys.Lost(subscriptionKeys(sub), after)
}

// Lost is the rule by which a log decides, from what it remembers of dropped
// entries, whether a stream subscribed with sub (nil: one that receives
// everything) and positioned at after lost one: newestAny is the newest
// dropped entry (0 if none was), newest(key) the newest dropped entry with
// that target key (0 if none), and positions older than floor lost
// something whatever their targets.
func Lost(sub *ssehub.Subscription, after, floor, newestAny uint64, newest func(key TargetKey) uint64) bool {
	return storekit.Lost(subscriptionKeys(sub), after, floor, newestAny, newest)
}

// subscriptionKeys is SubscriptionKeys, nil (every key) for a nil sub and
// for a Mercure subscription with a URI template or "*" selector.
func subscriptionKeys(sub *ssehub.Subscription) iter.Seq[TargetKey] {
	if sub == nil {
		return nil
	}
	if len(sub.Selectors) > 0 {
		keys, _ := storekit.SelectorKeys(sub.Topics, sub.Selectors)
		return keys
	}
	return SubscriptionKeys(sub)
}
