package storekit

import (
	"iter"
	"slices"
)

// DefaultDroppedKeys is how many target keys a DroppedIndex remembers when
// its MaxKeys is zero: about 10 MiB with short client ids.
const DefaultDroppedKeys = 100_000

// A DroppedIndex remembers what a log's retention dropped, per target key:
// the newest dropped entry sent to everyone, to each client id and to each
// topic. With it a stream that resumes from a position before the oldest
// retained entry is told its history is gone only when an entry it would
// have received is gone; the events of other clients pushing the window
// along do not cost it a reset.
//
// It remembers at most MaxKeys keys. When it would hold more it forgets the
// older half and raises its floor to the newest entry it forgot: a position
// older than the floor counts as having lost something, for every stream.
// The zero value is ready to use.
type DroppedIndex struct {
	MaxKeys int // zero means DefaultDroppedKeys

	floor  uint64
	any    uint64               // newest entry dropped
	newest map[TargetKey]uint64 // newest entry dropped with each target key
}

// Drop records that retention dropped entry seq, whose message had these
// targets. (Not an iter.Seq of keys: ranging over a function passed in
// allocates, and a MemoryLog drops an entry with every append once full.)
func (d *DroppedIndex) Drop(seq uint64, broadcast bool, clients, topics []string) {
	if d.newest == nil {
		d.newest = make(map[TargetKey]uint64)
	}
	d.any = max(d.any, seq)
	for k := range MessageKeys(broadcast, clients, topics) {
		d.newest[k] = seq
	}
	limit := d.MaxKeys
	if limit <= 0 {
		limit = DefaultDroppedKeys
	}
	if len(d.newest) > limit {
		d.forgetOlderHalf()
	}
}

func (d *DroppedIndex) forgetOlderHalf() {
	seqs := make([]uint64, 0, len(d.newest))
	for _, s := range d.newest {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	mid := seqs[len(seqs)/2]
	for k, s := range d.newest {
		if s <= mid {
			delete(d.newest, k)
		}
	}
	d.floor = max(d.floor, mid)
}

// Lost reports whether a stream reached by keys (see SubscriptionKeys; nil:
// one that receives everything) and positioned at after lost an entry that
// was dropped.
func (d *DroppedIndex) Lost(keys iter.Seq[TargetKey], after uint64) bool {
	return Lost(keys, after, d.floor, d.any, func(key TargetKey) uint64 { return d.newest[key] })
}

// Lost is the rule by which a log decides, from what it remembers of dropped
// entries, whether a stream reached by keys (nil: one that receives
// everything) and positioned at after lost one: newestAny is the newest
// dropped entry (0 if none was), newest(key) the newest dropped entry with
// that target key (0 if none), and positions older than floor lost
// something whatever their targets.
func Lost(keys iter.Seq[TargetKey], after, floor, newestAny uint64, newest func(key TargetKey) uint64) bool {
	if after < floor {
		return true
	}
	if keys == nil {
		return newestAny > after
	}
	for k := range keys {
		if newest(k) > after {
			return true
		}
	}
	return false
}
