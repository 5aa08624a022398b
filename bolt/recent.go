package bolt

import (
	"sync"

	"github.com/ssehub/ssehub"
)

// Bounds of the recent entries a Log keeps decoded in memory.
const (
	recentEntries = 16384
	recentBytes   = 16 << 20
)

// recent keeps the newest committed entries decoded, so that the replays of
// a reconnect storm (thousands of streams reading the same recent entries at
// once) read them from memory instead of each decoding them from the file.
// It holds consecutive entries, oldest first; the committer adds to it after
// each commit, before delivering. What it holds is also in the file: a read
// it cannot serve goes to the file.
type recent struct {
	mu    sync.Mutex
	ring  []*ssehub.Entry // ring[(start+i)%len(ring)] for i < n
	start int
	n     int
	bytes int
}

func newRecent(maxEntries int) *recent {
	return &recent{ring: make([]*ssehub.Entry, min(maxEntries, recentEntries))}
}

// add appends entries, which follow the newest one held.
func (r *recent) add(entries []*ssehub.Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range entries {
		if r.n == len(r.ring) {
			r.dropOldest()
		}
		r.ring[(r.start+r.n)%len(r.ring)] = e
		r.n++
		r.bytes += e.Size()
	}
	for r.bytes > recentBytes && r.n > 1 {
		r.dropOldest()
	}
}

func (r *recent) dropOldest() {
	r.bytes -= r.ring[r.start].Size()
	r.ring[r.start] = nil
	r.start = (r.start + 1) % len(r.ring)
	r.n--
}

// readMax bounds the entries one read looks at, so that a replay holds
// little memory at a time.
const readMax = 4096

// read returns the entries from..to that sub receives (all, for nil), and
// the number to read next; next == from when it holds no entry numbered
// from.
func (r *recent) read(from, to uint64, sub *ssehub.Subscription) (entries []*ssehub.Entry, next uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return nil, from
	}
	first := r.ring[r.start].Seq
	last := first + uint64(r.n) - 1
	if from < first || from > last {
		return nil, from
	}
	to = min(to, last, from+readMax-1)
	for seq := from; seq <= to; seq++ {
		e := r.ring[(r.start+int(seq-first))%len(r.ring)]
		if sub == nil || sub.Receives(&e.Message) {
			entries = append(entries, e)
		}
	}
	return entries, to + 1
}
