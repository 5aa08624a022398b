// Package recent keeps a log's newest entries decoded in memory, for the
// logs whose entries live elsewhere (a file, a Redis stream). A reconnect
// storm has thousands of streams read the same recent entries at once;
// from memory, each costs a lookup instead of a decode from the file or a
// round trip to Redis. What the cache holds is also in the log's store: a
// read it cannot serve goes there.
//
// Who imports it: bolt and redis.
package recent

import (
	"sync"

	"github.com/ssehub/ssehub"
)

// Bounds of an Entries.
const (
	MaxEntries = 16384    // entries held at most
	MaxBytes   = 16 << 20 // and at most this much (Entry.Size), the newest entry whatever its size
	ReadMax    = 1024     // entries one Read looks at: a replay holds little memory at a time, the lock briefly
)

// Entries holds consecutive entries, oldest first. It is safe for
// concurrent use.
type Entries struct {
	mu    sync.Mutex
	ring  []*ssehub.Entry // ring[(start+i)%len(ring)] for i < n
	start int
	n     int
	bytes int
}

// New returns an empty cache of at most min(maxEntries, MaxEntries)
// entries; with maxEntries zero it holds nothing.
func New(maxEntries int) *Entries {
	return &Entries{ring: make([]*ssehub.Entry, max(0, min(maxEntries, MaxEntries)))}
}

// Add appends entries, in order. An entry that does not follow the newest
// one held replaces them all: the cache never has a hole.
func (r *Entries) Add(entries ...*ssehub.Entry) {
	if len(r.ring) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range entries {
		if r.n > 0 && e.Seq != r.at(r.n-1).Seq+1 {
			r.clearLocked()
		}
		if r.n == len(r.ring) {
			r.dropOldest()
		}
		r.ring[(r.start+r.n)%len(r.ring)] = e
		r.n++
		r.bytes += e.Size()
	}
	for r.bytes > MaxBytes && r.n > 1 {
		r.dropOldest()
	}
}

// Clear forgets every entry (a shared log's feed skipped: what follows is
// not consecutive with them).
func (r *Entries) Clear() {
	r.mu.Lock()
	r.clearLocked()
	r.mu.Unlock()
}

func (r *Entries) clearLocked() {
	for r.n > 0 {
		r.dropOldest()
	}
	r.start = 0
}

func (r *Entries) at(i int) *ssehub.Entry { return r.ring[(r.start+i)%len(r.ring)] }

func (r *Entries) dropOldest() {
	r.bytes -= r.ring[r.start].Size()
	r.ring[r.start] = nil
	r.start = (r.start + 1) % len(r.ring)
	r.n--
}

// Read returns the entries from..to that sub receives (all, for nil), at
// most ReadMax of them looked at, and the sequence number to read next;
// next == from when the cache does not hold entry from.
func (r *Entries) Read(from, to uint64, sub *ssehub.Subscription) (entries []*ssehub.Entry, next uint64) {
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
	to = min(to, last, from+ReadMax-1)
	for seq := from; seq <= to; seq++ {
		if e := r.at(int(seq - first)); sub == nil || sub.Receives(&e.Message) {
			entries = append(entries, e)
		}
	}
	return entries, to + 1
}
