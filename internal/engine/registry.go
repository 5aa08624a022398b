package engine

import (
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"
)

// shardCount spreads streams over independently locked shards, so that
// connects, disconnects and publishes to different clients do not contend.
const shardCount = 32

// registry indexes the open streams by client id and topic. A stream lives
// in the shard of its client id.
type registry struct {
	seed       maphash.Seed
	shards     [shardCount]shard
	templates  templateSet                       // the distinct Identity.Templates of all streams
	match      func(selector, topic string) bool // Config.Match
	topicsOnly atomic.Int64                      // registered streams with Identity.TopicsOnly
}

type shard struct {
	mu        sync.RWMutex
	all       []*Stream // every stream; Stream.slot is its index
	clients   map[string][]*Stream
	topics    map[string]map[*Stream]struct{}
	templates map[string]map[*Stream]struct{} // by Identity.Templates
}

func (r *registry) init(match func(selector, topic string) bool) {
	r.seed = maphash.MakeSeed()
	r.match = match
	r.templates.init()
	for i := range r.shards {
		r.shards[i].clients = make(map[string][]*Stream)
		r.shards[i].topics = make(map[string]map[*Stream]struct{})
		r.shards[i].templates = make(map[string]map[*Stream]struct{})
	}
}

func (r *registry) shardOf(client string) *shard {
	return &r.shards[maphash.String(r.seed, client)%shardCount]
}

// add puts s in the registry, unless s was closed already (a hang-up
// noticed first): a closed stream is never registered, whatever the order in
// which its watchers got to it. It reports whether s was added.
func (r *registry) add(s *Stream) bool {
	sh := r.shardOf(s.id.Client)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if s.Closed() {
		return false
	}
	s.slot = len(sh.all)
	sh.all = append(sh.all, s)
	sh.clients[s.id.Client] = append(sh.clients[s.id.Client], s)
	for _, t := range s.id.Topics {
		addTo(sh.topics, t, s)
	}
	for _, t := range s.id.Templates {
		addTo(sh.templates, t, s)
		r.templates.ref(t)
	}
	if s.id.TopicsOnly {
		r.topicsOnly.Add(1)
	}
	return true
}

// addTo puts s in index under key.
func addTo(index map[string]map[*Stream]struct{}, key string, s *Stream) {
	set := index[key]
	if set == nil {
		set = make(map[*Stream]struct{})
		index[key] = set
	}
	set[s] = struct{}{}
}

// removeFrom takes s out of index under key.
func removeFrom(index map[string]map[*Stream]struct{}, key string, s *Stream) {
	delete(index[key], s)
	if len(index[key]) == 0 {
		delete(index, key)
	}
}

// remove takes s out of the registry; removing it twice is harmless.
func (r *registry) remove(s *Stream) {
	sh := r.shardOf(s.id.Client)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if s.slot < 0 {
		return
	}
	last := len(sh.all) - 1
	sh.all[s.slot] = sh.all[last]
	sh.all[s.slot].slot = s.slot
	sh.all[last] = nil
	sh.all = sh.all[:last]
	s.slot = -1
	sh.removeClient(s)
	for _, t := range s.id.Topics {
		removeFrom(sh.topics, t, s)
	}
	for _, t := range s.id.Templates {
		removeFrom(sh.templates, t, s)
		r.templates.unref(t)
	}
	if s.id.TopicsOnly {
		r.topicsOnly.Add(-1)
	}
}

// removeClient takes s out of its client's streams. sh.mu is held.
func (sh *shard) removeClient(s *Stream) {
	mine := sh.clients[s.id.Client]
	for i, other := range mine {
		if other == s {
			mine[i] = mine[len(mine)-1]
			mine[len(mine)-1] = nil
			mine = mine[:len(mine)-1]
			break
		}
	}
	if len(mine) == 0 {
		delete(sh.clients, s.id.Client)
	} else {
		sh.clients[s.id.Client] = mine
	}
}

// Targets is whom an event goes to: everyone, or the streams of some
// client ids and of some topics (exactly, or through a stream's
// Identity.Templates). A private event reaches only the streams with an
// Identity.Private selector that matches one of its topics.
type Targets struct {
	Broadcast bool
	Clients   []string
	Topics    []string
	Private   bool
}

// fanOut queues it on every stream that t names and returns how many took
// it; pub starts the writers enqueue says are needed.
//
// The shards index streams by the keys a message targets (everyone, client
// id, topic, template), so the streams fanOut visits are exactly those t
// names (a TopicsOnly stream is passed over by the broadcast and client
// keys). Templates are matched against t's topics once per distinct
// template of the whole registry, never per stream. A stream reached
// through several keys takes the event once: Stream.enqueue ignores a
// sequence number it has seen, and an ephemeral event (which has none) is
// deduplicated here.
func (r *registry) fanOut(t *Targets, it item, pub *Publication) int {
	matched := r.templates.matching(t.Topics, r.match)
	f := fan{it: it, pub: pub}
	if t.Private {
		f.private, f.topics, f.match = true, t.Topics, r.match
	}
	paths := len(t.Clients) + len(t.Topics) + len(matched)
	if t.Broadcast {
		paths++
	}
	if it.seq == 0 && paths > 1 {
		f.seen = make(map[*Stream]struct{})
	}
	if t.Broadcast {
		for i := range r.shards {
			sh := &r.shards[i]
			sh.mu.RLock()
			for _, s := range sh.all {
				f.takeUnlessTopicsOnly(s)
			}
			sh.mu.RUnlock()
		}
	} else {
		for _, client := range t.Clients {
			sh := r.shardOf(client)
			sh.mu.RLock()
			for _, s := range sh.clients[client] {
				f.takeUnlessTopicsOnly(s)
			}
			sh.mu.RUnlock()
		}
	}
	if len(t.Topics) == 0 || (t.Broadcast && !r.anyTopicsOnly()) {
		return f.n
	}
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.RLock()
		for _, topic := range t.Topics {
			for s := range sh.topics[topic] {
				f.take(s)
			}
		}
		for _, tmpl := range matched {
			for s := range sh.templates[tmpl] {
				f.take(s)
			}
		}
		sh.mu.RUnlock()
	}
	return f.n
}

// anyTopicsOnly reports whether a TopicsOnly stream may be registered: a
// broadcast reached every other stream already.
func (r *registry) anyTopicsOnly() bool { return r.topicsOnly.Load() > 0 }

// fan is one fanOut's progress.
type fan struct {
	it   item
	pub  *Publication         // starts the writers (nil: the streams' own)
	seen map[*Stream]struct{} // streams visited, when one may be reached twice
	n    int

	// A private event: a stream takes it only if one of its
	// Identity.Private selectors matches one of topics.
	private bool
	topics  []string
	match   func(selector, topic string) bool
}

func (f *fan) take(s *Stream) {
	if f.private && !f.allowed(s) {
		return
	}
	if f.seen != nil {
		if _, dup := f.seen[s]; dup {
			return
		}
		f.seen[s] = struct{}{}
	}
	if s.enqueue(f.it, f.pub) {
		f.n++
	}
}

// takeUnlessTopicsOnly takes s if broadcasts and client ids reach it.
func (f *fan) takeUnlessTopicsOnly(s *Stream) {
	if !s.id.TopicsOnly {
		f.take(s)
	}
}

// allowed reports whether s may receive the private event.
func (f *fan) allowed(s *Stream) bool {
	for _, p := range s.id.Private {
		for _, t := range f.topics {
			if f.match(p, t) {
				return true
			}
		}
	}
	return false
}

// each calls fn for every stream, with its shard's lock held shared.
func (r *registry) each(fn func(*Stream)) {
	for i := range r.shards {
		r.eachIn(i, fn)
	}
}

// eachIn calls fn for every stream of shard i, with its lock held shared.
func (r *registry) eachIn(i int, fn func(*Stream)) {
	sh := &r.shards[i]
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	for _, s := range sh.all {
		fn(s)
	}
}

// snapshot returns every stream, for work that must not hold shard locks.
func (r *registry) snapshot() []*Stream {
	var all []*Stream
	r.each(func(s *Stream) { all = append(all, s) })
	return all
}

// Registered returns how many streams are registered.
func (e *Engine) Registered() int {
	n := 0
	for i := range e.reg.shards {
		sh := &e.reg.shards[i]
		sh.mu.RLock()
		n += len(sh.all)
		sh.mu.RUnlock()
	}
	return n
}

// RegisteredOf returns how many streams of client are registered.
func (e *Engine) RegisteredOf(client string) int {
	sh := e.reg.shardOf(client)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return len(sh.clients[client])
}

// StreamsOf returns a copy of client's registered streams.
func (e *Engine) StreamsOf(client string) []*Stream {
	sh := e.reg.shardOf(client)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return slices.Clone(sh.clients[client])
}

// Clients returns the ids of the clients with a registered stream.
func (e *Engine) Clients() []string {
	var ids []string
	e.EachClient(func(id string, _ int) { ids = append(ids, id) })
	return ids
}

// EachClient calls fn with every client that has a registered stream, and
// how many it has, one shard at a time with its lock held shared: fn must
// not call the engine.
func (e *Engine) EachClient(fn func(client string, streams int)) {
	for i := range e.reg.shards {
		sh := &e.reg.shards[i]
		sh.mu.RLock()
		for id, streams := range sh.clients {
			fn(id, len(streams))
		}
		sh.mu.RUnlock()
	}
}

// Occupancy returns how many distinct clients have a registered stream, and
// the bytes queued on every stream now. It costs a lock per stream, for a
// moment each, when it is asked (metrics), and nothing on the paths that
// queue and write: an engine-wide byte count kept up to date would cost them
// an atomic on one shared word per fan-out and per write.
func (e *Engine) Occupancy() (clients int, queued int64) {
	for i := range e.reg.shards {
		sh := &e.reg.shards[i]
		sh.mu.RLock()
		clients += len(sh.clients)
		for _, s := range sh.all {
			s.mu.Lock()
			queued += int64(s.queued)
			s.mu.Unlock()
		}
		sh.mu.RUnlock()
	}
	return clients, queued
}
