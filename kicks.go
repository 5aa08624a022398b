package ssehub

import (
	"container/heap"
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ssehub/ssehub/internal/engine"
)

// Kick ends every stream of client and returns how many there were
// (sign-out, ban); with a Cluster, on every live node. When the hub
// remembers kicks (see Config.KickLimit: with an Authorizer, by default) it
// also refuses, for Config.KickMemory, the client's new streams whose
// Subscription.Issued is not after the kick (a token issued in the same
// second counts as before it): with subscriber tokens, the client cannot
// come back with credentials it had. Without Issued (no Authorizer, or one
// that does not set it) the client may reconnect at once, and nothing is
// remembered. err reports that the other nodes could not be told; this
// node's streams are ended anyway.
func (h *Hub) Kick(ctx context.Context, client string) (int, error) {
	at := time.Now()
	n := h.kickLocal(client, at)
	if h.cfg.Cluster == nil {
		return n, nil
	}
	others, err := h.cfg.Cluster.Kick(ctx, client, at)
	return n + others, err
}

// kickLocal remembers a kick of client at `at` (when the hub remembers
// kicks) and ends its streams here that opened before then.
func (h *Hub) kickLocal(client string, at time.Time) int {
	h.kicks.add(client, at, time.Now())
	n := 0
	for _, s := range h.engine.StreamsOf(client) {
		if s.Born() <= at.UnixNano() {
			s.Close(engine.CloseKicked)
			n++
		}
	}
	return n
}

// kickSweepMax bounds the expired kicks that one sweep forgets, so that a
// sweep holds the lock every stream opening takes for microseconds however
// many kicks expire at once: the rest leave on the next sweeps, and a few
// with every new kick.
const kickSweepMax = 1024

// kickWarnEvery spaces the warnings that the kick list is full.
const kickWarnEvery = time.Minute

// kicks remembers, for memory and up to limit of them, when each client id
// was last kicked. A map finds a client's kick; a min-heap on the kick's
// time finds the oldest, to forget on expiry or when the list is full.
// Adding costs O(log n) and checking O(1): no pass over the list ever
// happens under the lock, which every stream opening takes.
type kicks struct {
	memory time.Duration
	limit  int // 0: the hub remembers no kick
	logger *slog.Logger

	mu      sync.Mutex
	at      map[string]*kickEntry
	byTime  kickHeap
	evicted uint64    // kicks forgotten before memory to stay within limit
	warned  time.Time // the last warning that the list is full

	issuedUnused sync.Once // the warning that Issued is set but no kick is remembered
}

// kickEntry is a client's latest kick, and its place in kicks.byTime.
type kickEntry struct {
	client string
	at     time.Time
	i      int
}

func (k *kicks) init(memory time.Duration, limit int, logger *slog.Logger) {
	k.memory, k.limit, k.logger = memory, limit, logger
	k.at = make(map[string]*kickEntry)
}

// remembers reports whether the hub remembers kicks at all.
func (k *kicks) remembers() bool { return k.limit > 0 }

// add remembers a kick of client at `at`, unless a later one of client is
// remembered already. At the limit it forgets the oldest kick first.
func (k *kicks) add(client string, at, now time.Time) {
	if !k.remembers() || now.Sub(at) > k.memory {
		return
	}
	k.mu.Lock()
	if e := k.at[client]; e != nil {
		if at.After(e.at) {
			e.at = at
			heap.Fix(&k.byTime, e.i)
		}
		k.mu.Unlock()
		return
	}
	k.forgetExpired(now, 2) // expired kicks leave at least as fast as new ones come
	full := len(k.byTime) >= k.limit
	if full {
		if at.Before(k.byTime[0].at) { // older than all: it is the one to forget
			k.evicted++
			k.mu.Unlock()
			k.warnFull(now)
			return
		}
		delete(k.at, heap.Pop(&k.byTime).(*kickEntry).client)
		k.evicted++
	}
	e := &kickEntry{client: client, at: at}
	heap.Push(&k.byTime, e)
	k.at[client] = e
	k.mu.Unlock()
	if full {
		k.warnFull(now)
	}
}

// warnFull logs, at most once per kickWarnEvery, that kicks are forgotten
// before their memory ends.
func (k *kicks) warnFull(now time.Time) {
	k.mu.Lock()
	due := now.Sub(k.warned) >= kickWarnEvery
	if due {
		k.warned = now
	}
	evicted := k.evicted
	k.mu.Unlock()
	if due {
		k.logger.Warn("ssehub: the kick list is full; the oldest kicks are forgotten before the kick memory ends, and their clients may come back with the credentials they had: raise the kick limit",
			"limit", k.limit, "memory", k.memory, "forgotten", evicted)
	}
}

// sweep forgets up to kickSweepMax kicks older than memory.
func (k *kicks) sweep(now time.Time) {
	if !k.remembers() {
		return
	}
	k.mu.Lock()
	k.forgetExpired(now, kickSweepMax)
	k.mu.Unlock()
}

// forgetExpired forgets up to most kicks older than memory, oldest first.
// k.mu is held.
func (k *kicks) forgetExpired(now time.Time, most int) {
	for ; most > 0 && len(k.byTime) > 0 && now.Sub(k.byTime[0].at) > k.memory; most-- {
		delete(k.at, heap.Pop(&k.byTime).(*kickEntry).client)
	}
}

// refuses reports whether sub's credentials predate a remembered kick of
// its client.
func (k *kicks) refuses(sub Subscription) bool {
	if sub.Issued.IsZero() {
		return false
	}
	if !k.remembers() {
		k.issuedUnused.Do(func() {
			k.logger.Warn("ssehub: streams carry Subscription.Issued but this hub remembers no kicks (Config.KickLimit is zero without an Authorizer, or negative): a kicked client may come back with the credentials it had; set Config.KickLimit")
		})
		return false
	}
	var at time.Time
	k.mu.Lock()
	if e := k.at[sub.Client]; e != nil {
		at = e.at
	}
	k.mu.Unlock()
	return k.refusesAt(sub, at)
}

// refusesAt reports whether sub's credentials predate a kick of its client
// at `at` (zero: none) that is still remembered.
func (k *kicks) refusesAt(sub Subscription, at time.Time) bool {
	return k.remembers() && !at.IsZero() && !sub.Issued.IsZero() && time.Since(at) <= k.memory && !sub.Issued.After(at.Truncate(time.Second))
}

// stats returns how many kicks are remembered, and how many were forgotten
// before memory to stay within limit.
func (k *kicks) stats() (remembered int, evicted uint64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.byTime), k.evicted
}

// kickHeap orders kicks oldest first.
type kickHeap []*kickEntry

func (q kickHeap) Len() int           { return len(q) }
func (q kickHeap) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q kickHeap) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].i, q[j].i = i, j
}
func (q *kickHeap) Push(x any) {
	e := x.(*kickEntry)
	e.i = len(*q)
	*q = append(*q, e)
}
func (q *kickHeap) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return e
}
