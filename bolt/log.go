package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/recent"
	"github.com/ssehub/ssehub/store"
	bbolt "go.etcd.io/bbolt"
)

// formatVersion is the newest version of the file layout described in the
// package documentation. Open upgrades a file of version 1 (which had no
// index of dropped entries) to version 2, and refuses any version above
// this one. A log of version 2 becomes version 3 (an index of event ids)
// when it first stores an entry with an event id, Private or Retry: a
// program that knows only version 2 then refuses the file at Open, rather
// than failing on the first such entry.
const formatVersion = 3

// maxBatch is the most Appends one transaction commits.
const maxBatch = 1000

// lockTimeout is how long Open waits for another process's lock on the file.
const lockTimeout = 1 * time.Second

var (
	entriesBucket  = []byte("entries")
	droppedBucket  = []byte("dropped")
	eventIDsBucket = []byte("eventids")
	metaBucket     = []byte("meta")
	versionKey     = []byte("version")
	headKey        = []byte("head")
)

// A Log is an ssehub.Log kept in a bbolt database file. See the package
// documentation for the file layout and what Append guarantees.
type Log struct {
	db   *bbolt.DB
	path string
	ret  ssehub.Retention

	listen atomic.Pointer[ssehub.Listener]
	head   uint64 // newest entry committed; owned by the committer

	// maxDropped bounds the index of dropped entries' targets (tests lower it).
	maxDropped int

	recent *recent.Entries // the newest entries, decoded

	reqs      chan *request // to the committer; unbuffered: a send is a hand-over
	quit      chan struct{} // closed by Close
	done      chan struct{} // closed when the committer has returned
	closeOnce sync.Once
	closeErr  error

	commits atomic.Uint64 // transactions committed, for benchmarks

	// broken is set, by the committer, when a commit failed: the file's
	// state is then unknown, so every later Append fails with it. failed
	// holds it too, for Check on other goroutines.
	broken error
	failed atomic.Pointer[error]

	// failTx, when set (by tests, before the first Append), is called in
	// every append transaction; an error from it fails the transaction.
	failTx func() error
	// commitTx commits an append transaction: tx.Commit, or a fault
	// injected by tests.
	commitTx func(*bbolt.Tx) error
}

var (
	_ ssehub.IdempotentLog = (*Log)(nil)
	_ ssehub.EventIDLog    = (*Log)(nil)
)

// Check implements ssehub.Checker: a Log whose commit failed accepts no
// more appends (see Append), so the hub is not ready.
func (l *Log) Check(context.Context) error {
	if err := l.failed.Load(); err != nil {
		return *err
	}
	return nil
}

// A request is one Append (or AppendBatch) waiting for the committer. es
// and err are set before done is closed.
type request struct {
	msgs      []*ssehub.Message
	tickets   []ssehub.Ticket // msgs' tickets; nil for none
	es        []*ssehub.Entry
	esTickets []ssehub.Ticket // the tickets of es, in order
	err       error
	done      chan struct{}

	// An AppendOnce: its key and digest, and what an earlier append under
	// the key got, if there was one.
	once    bool
	key     string
	digest  [32]byte
	earlier []uint64
}

// ticketOf returns the ticket of message i.
func (r *request) ticketOf(i int) ssehub.Ticket {
	if r.tickets == nil {
		return 0
	}
	return r.tickets[i]
}

// Open opens the log stored at path, creating the file if it does not exist
// (or is empty), and resumes numbering from the head recorded in it. The log
// retains what r allows.
//
// Open fails, and leaves the file as it was, when path is not a bbolt
// database, is corrupt, holds buckets of some other program, holds a log of
// an unknown format version, or stays locked by another process for one
// second.
func Open(path string, r ssehub.Retention) (*Log, error) {
	if path == "" {
		return nil, errors.New("bolt: open: empty path")
	}
	db, err := openDB(path)
	if err != nil {
		return nil, err
	}
	head, err := prepare(db)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	l := &Log{
		db:   db,
		path: path,
		ret:  r,
		head: head,
		reqs: make(chan *request),
		quit: make(chan struct{}),
		done: make(chan struct{}),

		commitTx:   (*bbolt.Tx).Commit,
		maxDropped: store.DefaultDroppedKeys,
		recent:     recent.New(store.MaxEntries(r)),
	}
	go l.run()
	return l, nil
}

// Listen implements ssehub.Log.
func (l *Log) Listen(fn ssehub.Listener) {
	l.listen.Store(&fn)
}

// Append implements ssehub.Log. It returns once the entry's transaction is
// committed and fsynced and the entry has been passed to the listener.
// ctx is only checked before the committer takes the Append; from then on
// Append waits for the outcome.
func (l *Log) Append(ctx context.Context, m *ssehub.Message, ticket ssehub.Ticket) (*ssehub.Entry, error) {
	es, err := l.AppendBatch(ctx, []*ssehub.Message{m}, []ssehub.Ticket{ticket})
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

// AppendBatch implements ssehub.BatchLog: the messages are committed in one
// transaction (with whatever other Appends are waiting), as Append.
func (l *Log) AppendBatch(ctx context.Context, msgs []*ssehub.Message, tickets []ssehub.Ticket) ([]*ssehub.Entry, error) {
	r := &request{msgs: msgs, tickets: tickets, done: make(chan struct{})}
	if err := l.do(ctx, r); err != nil {
		return nil, err
	}
	return r.es, nil
}

// AppendOnce implements ssehub.IdempotentLog. The keys are stored with the
// entries, in the same commit, so a key survives a crash exactly when its
// entries do.
func (l *Log) AppendOnce(ctx context.Context, key string, digest [32]byte, msgs []*ssehub.Message, tickets []ssehub.Ticket) ([]*ssehub.Entry, []uint64, error) {
	r := &request{msgs: msgs, tickets: tickets, once: true, key: key, digest: digest, done: make(chan struct{})}
	if err := l.do(ctx, r); err != nil {
		return nil, nil, err
	}
	return r.es, r.earlier, nil
}

// do hands r to the committer and waits for its outcome.
func (l *Log) do(ctx context.Context, r *request) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case l.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-l.quit:
		return ssehub.ErrClosed
	}
	<-r.done
	return r.err
}

// run is the committer: it takes the Appends waiting at one moment and
// commits them in one transaction, until Close.
func (l *Log) run() {
	defer close(l.done)
	batch := make([]*request, 0, maxBatch)
	var expireTick <-chan time.Time
	if l.ret.MaxAge > 0 {
		t := time.NewTicker(min(max(l.ret.MaxAge/8, 50*time.Millisecond), time.Minute))
		defer t.Stop()
		expireTick = t.C
	}
	for {
		select {
		case <-l.quit:
			return
		default:
		}
		select {
		case r := <-l.reqs:
			batch = append(batch[:0], r)
		case <-expireTick:
			l.expireIdle()
			continue
		case <-l.quit:
			return
		}
	gather:
		for len(batch) < maxBatch {
			select {
			case r := <-l.reqs:
				batch = append(batch, r)
			default:
				break gather
			}
		}
		l.commit(batch)
		clear(batch)
	}
}

// expireIdle deletes what age retention no longer keeps while no Append
// comes to do it, so that expired entries do not pile up for ReadAfter to
// step over. It commits only when the oldest entry has expired.
func (l *Log) expireIdle() {
	expired := false
	_ = l.db.View(func(tx *bbolt.Tx) error {
		if k, v := tx.Bucket(entriesBucket).Cursor().First(); k != nil {
			t, err := entryTime(v)
			expired = err == nil && t.Before(time.Now().Add(-l.ret.MaxAge))
		}
		return nil
	})
	if expired {
		l.commit(nil)
	}
}

// commit records batch in one transaction, then passes the entries to the
// listener, then answers the Appends.
//
// A transaction that fails before its commit is rolled back and leaves the
// file as it was: the next batch reuses its sequence numbers. A failed
// commit (a write or fsync error) is different: some of it may be on disk
// or may reach the disk later, so reusing its numbers could give two events
// one id after a crash. The Log then fails every later Append, until it is
// opened again (Open checks the file).
func (l *Log) commit(batch []*request) {
	entries, err := l.commitBatch(batch)
	if err != nil {
		err = fmt.Errorf("bolt: append to %s: %w", l.path, err)
		for _, r := range batch {
			r.es, r.err = nil, err
			close(r.done)
		}
		return
	}
	l.head += uint64(len(entries))
	l.commits.Add(1)
	l.recent.Add(entries...)
	if fn := l.listen.Load(); fn != nil && *fn != nil {
		for _, r := range batch {
			for i, e := range r.es {
				(*fn).Deliver(e, r.esTickets[i])
			}
		}
	}
	for _, r := range batch {
		close(r.done)
	}
}

// commitBatch writes batch's entries in one transaction and commits it.
func (l *Log) commitBatch(batch []*request) ([]*ssehub.Entry, error) {
	if l.broken != nil {
		return nil, l.broken
	}
	tx, err := l.db.Begin(true)
	if err != nil {
		return nil, err
	}
	// Rolls back a transaction that write failed (or panicked in), so the
	// database's writer lock is never left held; after a commit it is a no-op.
	defer func() { _ = tx.Rollback() }()
	entries, err := l.write(tx, batch)
	if err != nil {
		return nil, err
	}
	if err := l.commitTx(tx); err != nil {
		l.broken = fmt.Errorf("a commit failed, so the file's state is unknown; restart to reopen it: %w", err)
		l.failed.Store(&l.broken)
		return nil, l.broken
	}
	return entries, nil
}

// Close implements ssehub.Log. An Append the committer has already taken is
// committed (or fails) and answered before Close returns; every other Append
// returns ssehub.ErrClosed. Calling Close again returns the first call's
// result.
func (l *Log) Close() error {
	l.closeOnce.Do(func() {
		close(l.quit)
		<-l.done
		if err := l.db.Close(); err != nil {
			l.closeErr = fmt.Errorf("bolt: close %s: %w", l.path, err)
		}
	})
	return l.closeErr
}

// seqKey returns the key of entry seq: 8 bytes, big-endian, so that bbolt's
// byte order is sequence order.
func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq)
}

// entryTime returns the time of an encoded entry without decoding the rest.
// It reads the prefix codec versions 1 and 2 share (version byte, uvarint
// seq, varint Unix nanoseconds) and decodes the whole entry for any other
// version.
func entryTime(v []byte) (time.Time, error) {
	if len(v) > 0 && (v[0] == 1 || v[0] == 2) {
		if _, n := binary.Uvarint(v[1:]); n > 0 {
			if ns, m := binary.Varint(v[1+n:]); m > 0 {
				return time.Unix(0, ns), nil
			}
		}
	}
	var e ssehub.Entry
	if err := store.UnmarshalEntry(v, &e); err != nil {
		return time.Time{}, err
	}
	return e.Time, nil
}
