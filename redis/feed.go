package redis

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Pacing of the feed.
const (
	// feedBlock is how long one XREAD waits for new entries.
	feedBlock = time.Second
	// feedSlack is how much longer than feedBlock a read may take before
	// the connection counts as dead (Redis unreachable without a reset).
	feedSlack = 2 * time.Second
	// feedCheck is how often, at most, the feed reads the log's base while
	// entries flow; when idle, about every feedBlock.
	feedCheck = time.Second
	// A read asks for at most feedCount entries, and fewer when they are
	// large: about feedPageBytes' worth.
	feedCount     = 1000
	feedPageBytes = 4 << 20
	// After an error the feed retries after backoffMin, doubling up to
	// backoffMax while Redis stays unreachable.
	backoffMin = 50 * time.Millisecond
	backoffMax = time.Second
)

// The feed is the goroutine that reads the stream in order, from its own
// connection, and hands every entry to the listener: the entries this Log
// value appended and those of every other node alike, so that all nodes
// deliver the same entries in the same order. Entries numbered
// consecutively tell it when it missed some (trimmed before it read them,
// or a Redis that restarted empty and numbers afresh): it calls Skip then,
// never leaving a gap unsaid.
type feed struct {
	log    *Log
	ctx    context.Context // cancelled by stop
	cancel context.CancelFunc
	done   chan struct{} // closed when run has returned

	begun     atomic.Uint64           // newest seq whose Deliver or Skip has begun (see ReadAfter)
	delivered watermark               // newest seq whose Deliver or Skip has returned (see Append)
	connRef   atomic.Pointer[connRef] // conn's server and CLIENT ID, or nil; for stop's CLIENT UNBLOCK
	outage    atomic.Pointer[error]   // why the feed cannot read now, or nil (see Log.Check)
	lag       feedLag                 // how far behind the log it is (see Log.FeedLag)

	// Owned by run.
	conn    *goredis.Conn
	last    uint64 // newest seq delivered or skipped
	cursor  string // the stream id to read after: normally last's
	base    uint64 // the log's base as last read
	epoch   uint64 // and its epoch
	checked time.Time
	recheck bool      // read the base before reading entries
	down    error     // the outage in progress, logged when it began
	count   int64     // entries to ask for per read
	caught  bool      // the last read left nothing behind: it returned fewer entries than asked for
	newest  time.Time // the append time of the newest entry delivered
	redial  string    // why the connection was dropped ("stalled", "error"), until a new one stands
	primary string    // the address of the server conn reaches (CLIENT INFO laddr)
	moved   time.Time // when the feed last delivered, or found nothing to deliver (see checkStall)
}

func startFeed(l *Log, st *logState) *feed {
	ctx, cancel := context.WithCancel(context.Background())
	f := &feed{
		log: l, ctx: ctx, cancel: cancel, done: make(chan struct{}),
		last: st.head, cursor: streamID(st.head), base: st.base, epoch: st.epoch, checked: time.Now(),
		count: feedCount, caught: true, moved: time.Now(),
	}
	f.lag.advance(time.Now())
	f.begun.Store(st.head)
	f.delivered.advance(st.head)
	go f.run()
	return f
}

func (f *feed) run() {
	defer close(f.done)
	defer f.disconnect()
	wait := backoffMin
	for f.ctx.Err() == nil {
		if err := f.step(); err != nil {
			if f.ctx.Err() != nil {
				return
			}
			f.failed(err)
			select {
			case <-time.After(wait):
			case <-f.ctx.Done():
				return
			}
			wait = min(2*wait, backoffMax)
			continue
		}
		f.recovered()
		wait = backoffMin
	}
}

// step reads the next entries (waiting up to feedBlock for some) and
// delivers them.
func (f *feed) step() error {
	caught := f.caught
	f.caught = false // until a read says otherwise
	if f.recheck || time.Since(f.checked) >= feedCheck {
		if err := f.checkBase(); err != nil {
			return err
		}
	}
	asked := f.count
	msgs, answered, err := f.timedRead(caught)
	if err != nil {
		return err
	}
	if len(msgs) > 0 {
		if err := f.confirmReplicated(); err != nil {
			return err
		}
		if seq, err := parseID(msgs[0].ID); err != nil || seq != f.last+1 {
			// A gap: before calling it lost, see whether Redis lost the
			// whole log (the base then tells through what to skip).
			if err := f.checkBase(); err != nil {
				return err
			}
		}
	}
	f.deliver(msgs)
	f.caughtUp(len(msgs), asked, answered)
	return nil
}

// checkBase reads the log's base and epoch. A new base means the log was
// created afresh (Redis restarted empty, or the keys were deleted); a new
// epoch, that its head went back and was raised (see checkHead). Either
// way the entries of the old numbering not yet delivered are lost to this
// feed: it skips through its position, or through the new base.
func (f *feed) checkBase() error {
	st, err := f.log.state(f.ctx, nil)
	if err != nil {
		return err
	}
	f.checked, f.recheck = time.Now(), false
	changed := st.base != f.base || st.epoch != f.epoch
	if changed {
		f.log.logger.Warn("redis log: the log lost entries (Redis restarted empty or from an older snapshot, or its keys were deleted); streams will resume from the log",
			"base", st.base, "previous base", f.base, "epoch", st.epoch, "last delivered", f.last)
	}
	f.checkStall(st)
	if st.head < f.last {
		if st.epoch, err = f.checkHead(st); err != nil {
			return err
		}
		changed = true
	}
	if changed {
		f.base, f.epoch = st.base, st.epoch
		f.skip(max(st.base, f.last))
	}
	return nil
}

// checkHead handles a head below what the feed has delivered: Redis went
// back in time (it restarted from an older snapshot, a replica that lagged
// took over, its clock stepped back before it restarted empty). The next
// appends would reuse ids that clients already have, and this feed,
// reading after its own position, would never deliver them: it raises the
// head to that position, starting a new epoch, and returns the epoch.
func (f *feed) checkHead(st *logState) (uint64, error) {
	f.log.logger.Error("redis log: the log's head went back below ids already delivered: raising it, so that no id is issued twice",
		"head", st.head, "last delivered", f.last)
	return f.log.raiseHead(f.ctx, f.last)
}

// read returns the entries after the cursor, waiting up to feedBlock for
// the first.
func (f *feed) read() ([]goredis.XMessage, error) {
	conn, err := f.connect()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(f.ctx, feedBlock+feedSlack)
	defer cancel()
	streams, err := conn.XRead(ctx, &goredis.XReadArgs{
		Streams: []string{f.log.keys.stream, f.cursor},
		Count:   f.count,
		Block:   feedBlock,
	}).Result()
	switch {
	case errors.Is(err, goredis.Nil):
		return nil, nil
	case err != nil:
		f.readFailed(err)
		return nil, err
	case len(streams) == 0:
		return nil, nil
	}
	return streams[0].Messages, nil
}

// deliver hands msgs to the listener in order, and sizes the next read by
// their average size.
func (f *feed) deliver(msgs []goredis.XMessage) {
	size := 0
	for _, x := range msgs {
		size += f.deliverOne(x)
	}
	if len(msgs) > 0 {
		f.count = max(16, min(feedCount, int64(feedPageBytes/max(1, size/len(msgs)))))
	}
}

// deliverOne delivers x, skipping first if it does not follow the last
// entry, and returns its size.
func (f *feed) deliverOne(x goredis.XMessage) int {
	f.cursor = x.ID
	seq, err := parseID(x.ID)
	switch {
	case err != nil:
		f.log.logger.Error("redis log: ignoring a stream entry that is not the log's", "err", err)
		return 0
	case seq <= f.last:
		return 0 // of a numbering already skipped past (see checkBase)
	case seq != f.last+1:
		f.log.logger.Warn("redis log: entries were trimmed before this node read them; streams will resume from the log",
			"first missed", f.last+1, "last missed", seq-1)
		f.skip(seq - 1)
	}
	e, err := decodeEntry(x)
	if err != nil {
		f.log.logger.Error("redis log: skipping an entry that does not decode", "err", err)
		f.skip(seq)
		return 0
	}
	mark, _ := x.Values["n"].(string)
	f.newest = e.Time
	f.log.recent.Add(e)
	f.begun.Store(seq)
	if ln := f.log.listener(); ln != nil {
		ln.Deliver(e, f.log.origin.ticket(mark))
	}
	f.last, f.moved = seq, time.Now()
	f.delivered.advance(seq)
	return e.Size()
}

// skip tells the listener that continuity broke up to through, which is
// at least every seq delivered before.
func (f *feed) skip(through uint64) {
	f.log.recent.Clear()
	f.begun.Store(through)
	if ln := f.log.listener(); ln != nil {
		ln.Skip(through)
	}
	f.last, f.cursor, f.moved = through, streamID(through), time.Now()
	f.delivered.advance(through)
}

// failed notes an error of a step; the first of an outage is logged.
func (f *feed) failed(err error) {
	f.recheck = true
	f.outage.Store(&err)
	if f.down == nil {
		f.log.logger.Warn("redis log: the feed cannot read from Redis; retrying until it can (events published meanwhile will then be delivered in order)", "err", err)
	}
	f.down = err
}

func (f *feed) recovered() {
	f.outage.Store(nil)
	if f.down != nil {
		f.log.logger.Info("redis log: the feed reads from Redis again")
		f.down = nil
	}
}

// The feed's lag: how far behind the log this node is.

// feedLag is the latest moment up to which the feed has delivered every
// entry appended before it, as far as the feed can know. It is written by
// the feed's goroutine and read by anyone (Log.FeedLag).
type feedLag struct {
	upTo    atomic.Int64 // Unix nanoseconds
	waiting atomic.Int64 // Unix nanoseconds a read began with nothing left behind; 0 when none is under way
}

// advance moves upTo forward to t; it never moves back (entry times come
// from Redis's clock, which may differ a little from this node's).
func (l *feedLag) advance(t time.Time) {
	n := t.UnixNano()
	for {
		cur := l.upTo.Load()
		if n <= cur || l.upTo.CompareAndSwap(cur, n) {
			return
		}
	}
}

// at returns the lag at now. While a read that began caught up waits,
// the feed is current: Redis answers a blocked read as soon as an entry is
// appended. It stays current for as long as the read may legitimately
// wait (feedBlock); past that, Redis is late and the lag grows.
func (l *feedLag) at(now time.Time) time.Duration {
	upTo := time.Unix(0, l.upTo.Load())
	if w := l.waiting.Load(); w != 0 {
		upTo = later(upTo, earlier(now, time.Unix(0, w).Add(feedBlock)))
	}
	return max(0, now.Sub(upTo))
}

// timedRead is read, keeping the lag, and returns when Redis answered:
// caught says the previous read left nothing behind.
func (f *feed) timedRead(caught bool) ([]goredis.XMessage, time.Time, error) {
	began := time.Now()
	if caught {
		f.lag.waiting.Store(began.UnixNano())
	}
	msgs, err := f.read()
	answered := time.Now()
	if caught {
		// Current until the read returned (what it returned is delivered
		// next), or for as long as it could wait. upTo first, so that a
		// reader of waiting then upTo never sees the lag jump back.
		f.lag.advance(earlier(answered, began.Add(feedBlock)))
		f.lag.waiting.Store(0)
	}
	return msgs, answered, err
}

// caughtUp keeps the lag once the n entries of a read asking for asked,
// answered then, are delivered: fewer than asked means the read took
// everything there was when Redis answered, so the feed is caught up to
// then; a full page means more may wait, and the feed is current only up
// to the newest entry's append time.
func (f *feed) caughtUp(n int, asked int64, answered time.Time) {
	if int64(n) < asked {
		f.caught = true
		f.lag.advance(answered)
	} else if n > 0 {
		f.lag.advance(f.newest)
	}
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
