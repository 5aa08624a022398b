package ssehub

import (
	"context"
	"sync"
	"time"
)

// DefaultHistorySize is how many entries a log keeps when Retention.MaxEntries
// is zero.
const DefaultHistorySize = 10_000

// Retention bounds what a Log keeps: the newest MaxEntries entries (zero means
// DefaultHistorySize), and of those only the ones younger than MaxAge (zero
// means no age limit).
type Retention struct {
	MaxEntries int
	MaxAge     time.Duration
}

// MaxEntriesOrDefault returns MaxEntries, or DefaultHistorySize when it is zero.
func (r Retention) MaxEntriesOrDefault() int {
	if r.MaxEntries <= 0 {
		return DefaultHistorySize
	}
	return r.MaxEntries
}

// A MemoryLog is a Log kept in memory: history does not survive the process.
//
// So that ids from an earlier process are not mistaken for ids of this one,
// a MemoryLog numbers its first entry with the microseconds since the Unix
// epoch at its creation; a client that resumes with an id from before a
// restart is then told its history is gone (a reset event), not handed
// unrelated events. That holds as long as the earlier process published
// fewer than a million events a second on average and the clock did not step
// back; where ids must stay meaningful across restarts, use a durable log.
type MemoryLog struct {
	ret Retention

	mu      sync.Mutex
	ring    []*Entry // ring[(start+i)%len(ring)] for i < n, oldest first
	start   int
	n       int
	head    uint64 // sequence number of the newest entry appended
	listen  func(*Entry)
	closed  bool
	nowFunc func() time.Time // for tests
}

// NewMemoryLog returns an empty MemoryLog that retains what r allows.
func NewMemoryLog(r Retention) *MemoryLog {
	now := time.Now()
	return &MemoryLog{
		ret:     r,
		ring:    make([]*Entry, r.MaxEntriesOrDefault()),
		head:    uint64(now.UnixMicro()),
		nowFunc: time.Now,
	}
}

// Listen implements Log.
func (l *MemoryLog) Listen(fn func(*Entry)) {
	l.mu.Lock()
	l.listen = fn
	l.mu.Unlock()
}

// Append implements Log. The listener runs under the log's lock, which is
// what keeps deliveries in sequence order.
func (l *MemoryLog) Append(ctx context.Context, m *Message) (*Entry, error) {
	entries, err := l.AppendBatch(ctx, []*Message{m})
	if err != nil {
		return nil, err
	}
	return entries[0], nil
}

// AppendBatch implements BatchLog.
func (l *MemoryLog) AppendBatch(ctx context.Context, msgs []*Message) ([]*Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	now := l.nowFunc()
	entries := make([]*Entry, len(msgs))
	for i, m := range msgs {
		e := &Entry{Seq: l.head + 1, Time: now, Message: *m}
		if l.n == len(l.ring) {
			l.dropOldest()
		}
		l.ring[(l.start+l.n)%len(l.ring)] = e
		l.n++
		l.head = e.Seq
		entries[i] = e
	}
	l.expire(now)
	if l.listen != nil {
		for _, e := range entries {
			l.listen(e)
		}
	}
	return entries, nil
}

// ReadAfter implements Log.
func (l *MemoryLog) ReadAfter(ctx context.Context, after uint64, fn func(*Entry) error) (uint64, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return 0, ErrClosed
	}
	l.expire(l.nowFunc())
	head, first := l.head, l.head-uint64(l.n)+1
	if after > head || after+1 < first {
		l.mu.Unlock()
		return head, ErrNotRetained
	}
	skip := int(after + 1 - first)
	entries := make([]*Entry, 0, l.n-skip)
	for i := skip; i < l.n; i++ {
		entries = append(entries, l.ring[(l.start+i)%len(l.ring)])
	}
	l.mu.Unlock()
	return head, Visit(ctx, entries, fn)
}

// Close implements Log.
func (l *MemoryLog) Close() error {
	l.mu.Lock()
	l.closed = true
	clear(l.ring)
	l.n = 0
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
	l.ring[l.start] = nil
	l.start = (l.start + 1) % len(l.ring)
	l.n--
}
