package ssehub

import (
	"context"
	"iter"
	"sync"
	"time"

	"github.com/ssehub/ssehub/internal/storekit"
)

// Defaults for the zero values of Retention.
const (
	DefaultHistorySize  = 100_000
	DefaultHistoryBytes = 64 << 20
	DefaultKeyWindow    = time.Hour
)

// maxMemoryKeys bounds the idempotency keys a MemoryLog remembers; past it
// the oldest are forgotten before their window ends.
const maxMemoryKeys = 1_000_000

// Retention bounds what a Log keeps: the newest entries, at most MaxEntries
// of them (zero means DefaultHistorySize) and at most MaxBytes in all (the
// sum of Entry.Size; zero means DefaultHistoryBytes, negative no limit), and
// of those only the ones younger than MaxAge (zero means no age limit). The
// newest entry is kept whatever its size.
//
// A client can resume after being away as long as no entry it would have
// received was dropped meanwhile (see store.DroppedIndex): at R events a second
// overall, that is MaxEntries/R seconds, or MaxBytes/(R × size) for events of
// a given size, or MaxAge, whichever is shortest. Size for the longest
// absence clients should survive at the peak rate.
type Retention struct {
	MaxEntries int
	MaxBytes   int64
	MaxAge     time.Duration

	// KeyWindow is how long an idempotency key is remembered (see
	// IdempotentLog); zero means DefaultKeyWindow.
	KeyWindow time.Duration
}

// A MemoryLog is a Log kept in memory: history does not survive the process.
// It remembers the targets of the entries its retention dropped (see
// store.DroppedIndex), and at most a million idempotency keys: past that,
// the oldest are forgotten before their Retention.KeyWindow ends.
//
// So that ids from an earlier process are not mistaken for ids of this one,
// a MemoryLog numbers its first entry with the microseconds since the Unix
// epoch at its creation; a client that resumes with an id from before a
// restart is then told that id is unknown (a reset event), not handed
// unrelated events. That holds as long as the earlier process published
// fewer than a million events a second on average and the clock did not step
// back; where ids must stay meaningful across restarts, use a durable log.
type MemoryLog struct {
	ret Retention

	mu      sync.Mutex
	ring    []*Entry // ring[(start+i)%len(ring)] for i < n, oldest first
	start   int
	n       int
	base    uint64 // the head before the first entry: older ids were never issued
	head    uint64 // sequence number of the newest entry appended
	bytes   int64  // sum of the retained entries' Size
	dropped storekit.DroppedIndex
	ids     map[string]uint64 // EventID → the newest retained entry with it
	keys    keyMemory
	listen  Listener
	closed  bool
	nowFunc func() time.Time // for tests
}

// NewMemoryLog returns an empty MemoryLog that retains what r allows.
func NewMemoryLog(r Retention) *MemoryLog {
	base := uint64(time.Now().UnixMicro())
	return &MemoryLog{
		ret:     r,
		ring:    make([]*Entry, storekit.OrDefault(r.MaxEntries, DefaultHistorySize)),
		base:    base,
		head:    base,
		ids:     make(map[string]uint64),
		nowFunc: time.Now,
	}
}

// Listen implements Log.
func (l *MemoryLog) Listen(fn Listener) {
	l.mu.Lock()
	l.listen = fn
	l.mu.Unlock()
}

// Append implements Log. The listener runs under the log's lock, which is
// what keeps deliveries in sequence order.
func (l *MemoryLog) Append(ctx context.Context, m *Message, ticket Ticket) (*Entry, error) {
	entries, err := l.AppendBatch(ctx, []*Message{m}, []Ticket{ticket})
	if err != nil {
		return nil, err
	}
	return entries[0], nil
}

// AppendBatch implements BatchLog.
func (l *MemoryLog) AppendBatch(ctx context.Context, msgs []*Message, tickets []Ticket) ([]*Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	return l.appendLocked(msgs, tickets), nil
}

// AppendOnce implements IdempotentLog.
func (l *MemoryLog) AppendOnce(ctx context.Context, key string, digest [32]byte, msgs []*Message, tickets []Ticket) ([]*Entry, []uint64, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, nil, ErrClosed
	}
	now := l.nowFunc()
	if rec, ok := l.keys.get(key, now, storekit.OrDefault(l.ret.KeyWindow, DefaultKeyWindow)); ok {
		if rec.digest != digest {
			return nil, nil, ErrKeyReused
		}
		return nil, rec.seqs, nil
	}
	var real []*Message
	var realTickets []Ticket
	for i, m := range msgs {
		if m != nil {
			real = append(real, m)
			if tickets != nil {
				realTickets = append(realTickets, tickets[i])
			}
		}
	}
	entries := l.appendLocked(real, realTickets)
	seqs := make([]uint64, len(msgs))
	for i, j := 0, 0; i < len(msgs); i++ {
		if msgs[i] != nil {
			seqs[i] = entries[j].Seq
			j++
		}
	}
	l.keys.put(key, keyRecord{digest: digest, seqs: seqs, at: now})
	return entries, nil, nil
}

// appendLocked appends msgs, with their tickets (none if tickets is nil);
// l.mu is held.
func (l *MemoryLog) appendLocked(msgs []*Message, tickets []Ticket) []*Entry {
	now := l.nowFunc()
	entries := make([]*Entry, len(msgs))
	for i, m := range msgs {
		e := &Entry{Seq: l.head + 1, Time: now, Message: *m}
		if l.n == len(l.ring) {
			l.dropOldest()
		}
		l.ring[(l.start+l.n)%len(l.ring)] = e
		l.n++
		l.bytes += int64(e.Size())
		l.head = e.Seq
		if e.EventID != "" {
			l.ids[e.EventID] = e.Seq
		}
		entries[i] = e
	}
	for limit := storekit.ByteLimit(l.ret.MaxBytes, DefaultHistoryBytes); l.bytes > limit && l.n > 1; {
		l.dropOldest()
	}
	l.expire(now)
	if l.listen != nil {
		for i, e := range entries {
			var ticket Ticket
			if tickets != nil {
				ticket = tickets[i]
			}
			l.listen.Deliver(e, ticket)
		}
	}
	return entries
}

// ReadAfter implements Log.
func (l *MemoryLog) ReadAfter(ctx context.Context, after uint64, sub *Subscription, fn func(*Entry) error) (uint64, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return 0, ErrClosed
	}
	l.expire(l.nowFunc())
	head, first := l.head, l.head-uint64(l.n)+1
	switch {
	case after > head || after < l.base:
		l.mu.Unlock()
		return head, ErrUnknownPosition
	case after+1 < first && l.dropped.Lost(subscriptionKeys(sub), after):
		l.mu.Unlock()
		return head, ErrNotRetained
	}
	var entries []*Entry
	for i := int(max(after+1, first) - first); i < l.n; i++ {
		if e := l.ring[(l.start+i)%len(l.ring)]; sub == nil || sub.Receives(&e.Message) {
			entries = append(entries, e)
		}
	}
	l.mu.Unlock()
	return head, storekit.Visit(ctx, entries, fn)
}

// SeqOf implements EventIDLog: the index of EventIDs holds those of the
// retained entries only, and drops each with its entry.
func (l *MemoryLog) SeqOf(ctx context.Context, id string) (uint64, bool, error) {
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, false, ErrClosed
	}
	l.expire(l.nowFunc())
	seq, ok := l.ids[id]
	return seq, ok, nil
}

// Oldest implements OldestLog.
func (l *MemoryLog) Oldest(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ErrClosed
	}
	l.expire(l.nowFunc())
	return l.head - uint64(l.n), nil
}

// Close implements Log.
func (l *MemoryLog) Close() error {
	l.mu.Lock()
	l.closed = true
	clear(l.ring)
	clear(l.ids)
	l.n, l.bytes = 0, 0
	l.mu.Unlock()
	return nil
}

// expire drops entries older than the retention's MaxAge.
func (l *MemoryLog) expire(now time.Time) {
	if l.ret.MaxAge <= 0 {
		return
	}
	limit := now.Add(-l.ret.MaxAge)
	for l.n > 0 && l.ring[l.start].Time.Before(limit) {
		l.dropOldest()
	}
}

func (l *MemoryLog) dropOldest() {
	e := l.ring[l.start]
	l.dropped.Drop(e.Seq, e.Broadcast, e.Clients, e.Topics)
	if e.EventID != "" && l.ids[e.EventID] == e.Seq {
		delete(l.ids, e.EventID) // no newer entry has it: the id goes with its entry
	}
	l.bytes -= int64(e.Size())
	l.ring[l.start] = nil
	l.start = (l.start + 1) % len(l.ring)
	l.n--
}

// subscriptionKeys returns the target keys that reach a stream subscribed
// with sub; nil (every key) for nil, and for a Mercure subscription with a
// template or "*" selector (see storekit.SelectorKeys).
func subscriptionKeys(sub *Subscription) iter.Seq[storekit.TargetKey] {
	if sub == nil {
		return nil
	}
	if sub.mercure() {
		keys, _ := storekit.SelectorKeys(sub.Topics, sub.Selectors) // nil (every key) with a template
		return keys
	}
	return storekit.SubscriptionKeys(sub.Client, sub.Topics)
}

// keyMemory is a MemoryLog's idempotency keys, oldest first for forgetting.
type keyMemory struct {
	byKey map[string]keyRecord
	order []string // keys in the order put; order[head:] are live
	head  int
}

type keyRecord struct {
	digest [32]byte
	seqs   []uint64
	at     time.Time
}

// get returns key's record if it is younger than window, forgetting the
// records older than it on the way.
func (k *keyMemory) get(key string, now time.Time, window time.Duration) (keyRecord, bool) {
	for k.head < len(k.order) {
		rec, ok := k.byKey[k.order[k.head]]
		if ok && now.Sub(rec.at) <= window && len(k.byKey) <= maxMemoryKeys {
			break
		}
		delete(k.byKey, k.order[k.head])
		k.order[k.head] = ""
		k.head++
	}
	if k.head > len(k.order)/2 { // keep the slice from growing without bound
		k.order = append(k.order[:0], k.order[k.head:]...)
		k.head = 0
	}
	rec, ok := k.byKey[key]
	return rec, ok
}

func (k *keyMemory) put(key string, rec keyRecord) {
	if k.byKey == nil {
		k.byKey = make(map[string]keyRecord)
	}
	k.byKey[key] = rec
	k.order = append(k.order, key)
}
