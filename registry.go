package ssehub

import (
	"hash/maphash"
	"slices"
	"sync"
)

// shardCount spreads connections over independently locked shards, so that
// connects, disconnects and publishes to different clients do not contend.
const shardCount = 32

// registry indexes the open connections of a hub by client id and topic.
// A connection lives in the shard of its client id.
type registry struct {
	seed   maphash.Seed
	shards [shardCount]shard
}

type shard struct {
	mu      sync.RWMutex
	all     []*conn // every connection; conn.slot is its index
	clients map[string][]*conn
	topics  map[string]map[*conn]struct{}
}

func (r *registry) init() {
	r.seed = maphash.MakeSeed()
	for i := range r.shards {
		r.shards[i].clients = make(map[string][]*conn)
		r.shards[i].topics = make(map[string]map[*conn]struct{})
	}
}

func (r *registry) shardOf(client string) *shard {
	return &r.shards[maphash.String(r.seed, client)%shardCount]
}

// add puts c in the registry, unless c was closed already (a hang-up
// noticed first): a closed conn is never registered, whatever the order in
// which its watchers got to it. It reports whether c was added.
func (r *registry) add(c *conn) bool {
	s := r.shardOf(c.sub.Client)
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.isDown() {
		return false
	}
	c.slot = len(s.all)
	s.all = append(s.all, c)
	s.clients[c.sub.Client] = append(s.clients[c.sub.Client], c)
	for _, t := range c.sub.Topics {
		set := s.topics[t]
		if set == nil {
			set = make(map[*conn]struct{})
			s.topics[t] = set
		}
		set[c] = struct{}{}
	}
	return true
}

// remove takes c out of the registry; removing it twice is harmless.
func (r *registry) remove(c *conn) {
	s := r.shardOf(c.sub.Client)
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.slot < 0 {
		return
	}
	last := len(s.all) - 1
	s.all[c.slot] = s.all[last]
	s.all[c.slot].slot = c.slot
	s.all[last] = nil
	s.all = s.all[:last]
	c.slot = -1

	mine := s.clients[c.sub.Client]
	for i, other := range mine {
		if other == c {
			mine[i] = mine[len(mine)-1]
			mine[len(mine)-1] = nil
			mine = mine[:len(mine)-1]
			break
		}
	}
	if len(mine) == 0 {
		delete(s.clients, c.sub.Client)
	} else {
		s.clients[c.sub.Client] = mine
	}
	for _, t := range c.sub.Topics {
		delete(s.topics[t], c)
		if len(s.topics[t]) == 0 {
			delete(s.topics, t)
		}
	}
}

// fanOut queues it on every connection that receives m and returns how
// many took it; pub starts the writers enqueue says are needed.
//
// The shards index connections by the target keys of Subscription.Receives
// (everyone, client id, topic), so the connections fanOut visits are exactly
// those Receives names. A connection reached through several keys takes the
// event once: conn.enqueue ignores a sequence number it has seen, and an
// ephemeral event (which has none) is deduplicated here.
func (r *registry) fanOut(m *Message, it item, pub *publication) int {
	f := fan{it: it, pub: pub}
	if it.seq == 0 && !m.Broadcast && len(m.Clients)+len(m.Topics) > 1 {
		f.seen = make(map[*conn]struct{})
	}
	if m.Broadcast {
		for i := range r.shards {
			s := &r.shards[i]
			s.mu.RLock()
			for _, c := range s.all {
				f.take(c)
			}
			s.mu.RUnlock()
		}
		return f.n
	}
	for _, client := range m.Clients {
		s := r.shardOf(client)
		s.mu.RLock()
		for _, c := range s.clients[client] {
			f.take(c)
		}
		s.mu.RUnlock()
	}
	if len(m.Topics) == 0 {
		return f.n
	}
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.RLock()
		for _, t := range m.Topics {
			for c := range s.topics[t] {
				f.take(c)
			}
		}
		s.mu.RUnlock()
	}
	return f.n
}

// fan is one fanOut's progress.
type fan struct {
	it   item
	pub  *publication       // starts the writers (nil: the streams' own)
	seen map[*conn]struct{} // connections visited, when one may be reached twice
	n    int
}

func (f *fan) take(c *conn) {
	if f.seen != nil {
		if _, dup := f.seen[c]; dup {
			return
		}
		f.seen[c] = struct{}{}
	}
	if c.enqueue(f.it, f.pub) {
		f.n++
	}
}

// each calls fn for every connection, with its shard's lock held shared.
func (r *registry) each(fn func(*conn)) {
	for i := range r.shards {
		r.eachIn(i, fn)
	}
}

// eachIn calls fn for every connection of shard i, with its lock held shared.
func (r *registry) eachIn(i int, fn func(*conn)) {
	s := &r.shards[i]
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, c := range s.all {
		fn(c)
	}
}

// snapshot returns every connection, for work that must not hold shard locks.
func (r *registry) snapshot() []*conn {
	var all []*conn
	r.each(func(c *conn) { all = append(all, c) })
	return all
}

func (r *registry) len() int {
	n := 0
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.RLock()
		n += len(s.all)
		s.mu.RUnlock()
	}
	return n
}

func (r *registry) clientConns(client string) int {
	s := r.shardOf(client)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.clients[client])
}

// clientSnapshot returns a copy of client's conns.
func (r *registry) clientSnapshot(client string) []*conn {
	s := r.shardOf(client)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.clients[client])
}

func (r *registry) clients() []string {
	var ids []string
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.RLock()
		for id := range s.clients {
			ids = append(ids, id)
		}
		s.mu.RUnlock()
	}
	return ids
}

// occupancy returns how many distinct clients have a connection, and the
// bytes queued on every connection now. It costs a lock per connection, for
// a moment each, when it is asked (Metrics), and nothing on the paths that
// queue and write: a hub-wide byte count kept up to date would cost them an
// atomic on one shared word per fan-out and per write.
func (r *registry) occupancy() (clients int, queued int64) {
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.RLock()
		clients += len(s.clients)
		for _, c := range s.all {
			c.mu.Lock()
			queued += int64(c.queued)
			c.mu.Unlock()
		}
		s.mu.RUnlock()
	}
	return clients, queued
}
