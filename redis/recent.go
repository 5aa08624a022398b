package redis

import (
	"sync"

	"github.com/ssehub/ssehub"
)

// Bounds of the entries a Log keeps decoded in memory.
const (
	recentEntries = 16384
	recentBytes   = 16 << 20
)

// recent keeps the newest entries the feed delivered, so that a reconnect
// storm (thousands of streams resuming from the last second at once) reads
// them from this node's memory instead of each asking Redis for the same
// entries. It holds consecutive entries, oldest first, since the feed's last
// Skip. Whether a stream lost history is still decided by Redis's dropped
// index, before any entry is read: serving an entry that Redis has since
// trimmed (for other targets' sake) is then no different from having read
// it a moment earlier.
type recent struct {
	mu    sync.Mutex
	ring  []*ssehub.Entry // ring[(start+i)%len(ring)] for i < n
	start int
	n     int
	bytes int
}

func newRecent(entries int) *recent {
	return &recent{ring: make([]*ssehub.Entry, max(entries, 0))}
}

// add appends e. An entry that does not follow the newest one held
// replaces them all: the cache never has a hole.
func (r *recent) add(e *ssehub.Entry) {
	if len(r.ring) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n > 0 && e.Seq != r.at(r.n-1).Seq+1 {
		r.clearLocked()
	}
	if r.n == len(r.ring) {
		r.dropOldest()
	}
	r.ring[(r.start+r.n)%len(r.ring)] = e
	r.n++
	r.bytes += e.Size()
	for r.bytes > recentBytes && r.n > 1 {
		r.dropOldest()
	}
}

// clear forgets every entry: the feed skipped, so what follows is not
// consecutive with them.
func (r *recent) clear() {
	r.mu.Lock()
	r.clearLocked()
	r.mu.Unlock()
}

func (r *recent) clearLocked() {
	for r.n > 0 {
		r.dropOldest()
	}
	r.start = 0
}

func (r *recent) at(i int) *ssehub.Entry { return r.ring[(r.start+i)%len(r.ring)] }

func (r *recent) dropOldest() {
	r.bytes -= r.ring[r.start].Size()
	r.ring[r.start] = nil
	r.start = (r.start + 1) % len(r.ring)
	r.n--
}

// recentReadMax bounds the entries one read looks at, so that a replay holds
// little memory at a time and the lock is held briefly.
const recentReadMax = 1024

// read returns the entries from..to that sub receives (all, for nil), and
// the seq to read next; next == from when it does not hold entry from.
func (r *recent) read(from, to uint64, sub *ssehub.Subscription) (entries []*ssehub.Entry, next uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return nil, from
	}
	first := r.at(0).Seq
	last := first + uint64(r.n) - 1
	if from < first || from > last {
		return nil, from
	}
	to = min(to, last, from+recentReadMax-1)
	for seq := from; seq <= to; seq++ {
		if e := r.at(int(seq - first)); sub == nil || sub.Receives(&e.Message) {
			entries = append(entries, e)
		}
	}
	return entries, to + 1
}
