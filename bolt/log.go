package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssehub/ssehub"
	bbolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// formatVersion is the version of the file layout described in the package
// documentation. Open refuses files with any other version.
const formatVersion = 1

// maxBatch is the most Appends one transaction commits.
const maxBatch = 1000

// lockTimeout is how long Open waits for another process's lock on the file.
const lockTimeout = 1 * time.Second

var (
	entriesBucket = []byte("entries")
	metaBucket    = []byte("meta")
	versionKey    = []byte("version")
	headKey       = []byte("head")
)

// A Log is an ssehub.Log kept in a bbolt database file. See the package
// documentation for the file layout and what Append guarantees.
type Log struct {
	db   *bbolt.DB
	path string
	ret  ssehub.Retention

	listen    atomic.Pointer[func(*ssehub.Entry)]
	delivered atomic.Uint64 // newest entry committed and passed to the listener
	head      uint64        // newest entry committed; owned by the committer

	reqs      chan *request // to the committer; unbuffered: a send is a hand-over
	quit      chan struct{} // closed by Close
	done      chan struct{} // closed when the committer has returned
	closeOnce sync.Once
	closeErr  error

	commits atomic.Uint64 // transactions committed, for benchmarks

	// broken is set, by the committer, when a commit failed: the file's
	// state is then unknown, so every later Append fails with it.
	broken error

	// failTx, when set (by tests, before the first Append), is called in
	// every append transaction; an error from it fails the transaction.
	failTx func() error
	// commitTx commits an append transaction: tx.Commit, or a fault
	// injected by tests.
	commitTx func(*bbolt.Tx) error
}

var _ ssehub.BatchLog = (*Log)(nil)

// A request is one Append (or AppendBatch) waiting for the committer. es
// and err are set before done is closed.
type request struct {
	msgs []*ssehub.Message
	es   []*ssehub.Entry
	err  error
	done chan struct{}
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

		commitTx: (*bbolt.Tx).Commit,
	}
	l.delivered.Store(head)
	go l.run()
	return l, nil
}

// openDB opens the bbolt file, turning bbolt's errors (and panics, which
// bbolt may raise on some corrupt files) into errors that name path.
func openDB(path string) (db *bbolt.DB, err error) {
	defer func() {
		if p := recover(); p != nil {
			db, err = nil, fmt.Errorf("bolt: open %s: not a valid bbolt database (corrupt?): %v", path, p)
		}
	}()
	db, err = bbolt.Open(path, 0o600, &bbolt.Options{Timeout: lockTimeout})
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("bolt: open %s: file is locked by another process or Log (waited %v): %w", path, lockTimeout, err)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrChecksum):
		return nil, fmt.Errorf("bolt: open %s: not a bbolt database, or corrupt: %w", path, err)
	default:
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
}

// prepare checks that db holds a log this package can read, or creates the
// buckets in a database that has none, and returns the head. It writes
// nothing to a database it refuses.
func prepare(db *bbolt.DB) (head uint64, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("corrupt bbolt database: %v", p)
		}
	}()
	empty := false
	err = db.View(func(tx *bbolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			if len(errs) < 3 {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("corrupt bbolt database: %w", errors.Join(errs...))
		}
		meta := tx.Bucket(metaBucket)
		if meta == nil {
			var names []string
			_ = tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
				names = append(names, fmt.Sprintf("%q", name))
				return nil
			})
			if len(names) > 0 {
				return fmt.Errorf("not an ssehub log: it holds bucket(s) %s but no %q bucket", strings.Join(names, ", "), metaBucket)
			}
			empty = true
			return nil
		}
		v := meta.Get(versionKey)
		switch {
		case v == nil:
			return fmt.Errorf("not an ssehub log, or corrupt: no format version in bucket %q", metaBucket)
		case len(v) != 8:
			return fmt.Errorf("corrupt ssehub log: format version is %d bytes, want 8", len(v))
		case binary.BigEndian.Uint64(v) != formatVersion:
			return fmt.Errorf("unknown ssehub log format version %d (this program reads version %d)", binary.BigEndian.Uint64(v), formatVersion)
		}
		h := meta.Get(headKey)
		if len(h) != 8 {
			return fmt.Errorf("corrupt ssehub log: head is %d bytes, want 8", len(h))
		}
		head = binary.BigEndian.Uint64(h)
		entries := tx.Bucket(entriesBucket)
		if entries == nil {
			return fmt.Errorf("corrupt ssehub log: no %q bucket", entriesBucket)
		}
		if k, _ := entries.Cursor().Last(); k != nil {
			if len(k) != 8 {
				return fmt.Errorf("corrupt ssehub log: entry key is %d bytes, want 8", len(k))
			}
			if last := binary.BigEndian.Uint64(k); last > head {
				return fmt.Errorf("corrupt ssehub log: entry %d is newer than the head, %d", last, head)
			}
		}
		return nil
	})
	if err == nil && empty {
		err = db.Update(create) // Open holds the file's lock: still empty
	}
	return head, err
}

// create makes the buckets of a new log, whose head is 0.
func create(tx *bbolt.Tx) error {
	meta, err := tx.CreateBucket(metaBucket)
	if err != nil {
		return err
	}
	if _, err := tx.CreateBucket(entriesBucket); err != nil {
		return err
	}
	if err := meta.Put(versionKey, seqKey(formatVersion)); err != nil {
		return err
	}
	return meta.Put(headKey, seqKey(0))
}

// Listen implements ssehub.Log.
func (l *Log) Listen(fn func(*ssehub.Entry)) {
	l.listen.Store(&fn)
}

// Append implements ssehub.Log. It returns once the entry's transaction is
// committed and fsynced and the entry has been passed to the listener.
// ctx is only checked before the committer takes the Append; from then on
// Append waits for the outcome.
func (l *Log) Append(ctx context.Context, m *ssehub.Message) (*ssehub.Entry, error) {
	es, err := l.AppendBatch(ctx, []*ssehub.Message{m})
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

// AppendBatch implements ssehub.BatchLog: the messages are committed in one
// transaction (with whatever other Appends are waiting), as Append.
func (l *Log) AppendBatch(ctx context.Context, msgs []*ssehub.Message) ([]*ssehub.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &request{msgs: msgs, done: make(chan struct{})}
	select {
	case l.reqs <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.quit:
		return nil, ssehub.ErrClosed
	}
	<-r.done
	if r.err != nil {
		return nil, r.err
	}
	return r.es, nil
}

// run is the committer: it takes the Appends waiting at one moment and
// commits them in one transaction, until Close.
func (l *Log) run() {
	defer close(l.done)
	batch := make([]*request, 0, maxBatch)
	for {
		select {
		case <-l.quit:
			return
		default:
		}
		select {
		case r := <-l.reqs:
			batch = append(batch[:0], r)
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
	if fn := l.listen.Load(); fn != nil && *fn != nil {
		for _, e := range entries {
			(*fn)(e)
		}
	}
	l.delivered.Store(l.head)
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
		return nil, l.broken
	}
	return entries, nil
}

// write puts batch's entries, the new head and retention's deletions in tx.
func (l *Log) write(tx *bbolt.Tx, batch []*request) ([]*ssehub.Entry, error) {
	if l.failTx != nil {
		if err := l.failTx(); err != nil {
			return nil, err
		}
	}
	now := time.Now().Round(0) // as stored: wall clock only
	b := tx.Bucket(entriesBucket)
	b.FillPercent = 0.95 // keys only ever grow: pack the pages
	seq := l.head
	var entries []*ssehub.Entry
	for _, r := range batch {
		r.es = make([]*ssehub.Entry, len(r.msgs))
		for i, m := range r.msgs {
			seq++
			e := &ssehub.Entry{Seq: seq, Time: now, Message: *m}
			v, err := e.MarshalBinary()
			if err != nil {
				return nil, fmt.Errorf("encode entry %d: %w", seq, err)
			}
			if err := b.Put(seqKey(seq), v); err != nil {
				return nil, fmt.Errorf("put entry %d: %w", seq, err)
			}
			r.es[i] = e
			entries = append(entries, e)
		}
	}
	if err := tx.Bucket(metaBucket).Put(headKey, seqKey(seq)); err != nil {
		return nil, fmt.Errorf("put head: %w", err)
	}
	return entries, l.expire(b, seq, now)
}

// expire deletes the entries that retention no longer keeps, head being the
// newest entry.
func (l *Log) expire(b *bbolt.Bucket, head uint64, now time.Time) error {
	k, _ := b.Cursor().First()
	if k == nil {
		return nil
	}
	oldest := binary.BigEndian.Uint64(k)
	first, err := l.firstRetained(b, head, now)
	if err != nil {
		return err
	}
	for seq := oldest; seq < first; seq++ {
		if err := b.Delete(seqKey(seq)); err != nil {
			return fmt.Errorf("delete entry %d: %w", seq, err)
		}
	}
	return nil
}

// firstRetained returns the sequence number of the oldest entry retention
// keeps, or head+1 when it keeps none.
func (l *Log) firstRetained(b *bbolt.Bucket, head uint64, now time.Time) (uint64, error) {
	k, _ := b.Cursor().First()
	if k == nil {
		return head + 1, nil
	}
	first := binary.BigEndian.Uint64(k)
	if n := uint64(l.ret.MaxEntriesOrDefault()); head >= n && head-n+1 > first {
		first = head - n + 1
	}
	if l.ret.MaxAge <= 0 {
		return first, nil
	}
	limit := now.Add(-l.ret.MaxAge)
	for ; first <= head; first++ {
		v := b.Get(seqKey(first))
		if v == nil {
			return 0, fmt.Errorf("corrupt log: entry %d is missing", first)
		}
		t, err := entryTime(v)
		if err != nil {
			return 0, fmt.Errorf("corrupt log: entry %d: %w", first, err)
		}
		if !t.Before(limit) {
			break
		}
	}
	return first, nil
}

// ReadAfter implements ssehub.Log. It decodes the entries in one read-only
// transaction and calls fn after that transaction has ended. The head it
// returns is the newest entry already passed to the listener.
func (l *Log) ReadAfter(ctx context.Context, after uint64, fn func(*ssehub.Entry) error) (uint64, error) {
	select {
	case <-l.quit:
		return 0, ssehub.ErrClosed
	default:
	}
	var head uint64
	err := l.db.View(func(tx *bbolt.Tx) error {
		stored := binary.BigEndian.Uint64(tx.Bucket(metaBucket).Get(headKey))
		// Entries committed but not yet passed to the listener are left
		// for the listener to deliver.
		head = min(stored, l.delivered.Load())
		first, err := l.firstRetained(tx.Bucket(entriesBucket), stored, time.Now())
		if err != nil {
			return err
		}
		if after > head || after+1 < first {
			return ssehub.ErrNotRetained
		}
		return nil
	})
	if err != nil && !errors.Is(err, ssehub.ErrNotRetained) {
		err = fmt.Errorf("bolt: read %s: %w", l.path, err)
	}
	for next := after + 1; err == nil && next <= head; {
		var chunk []*ssehub.Entry
		if chunk, err = l.readRange(next, min(head, next+readChunk-1)); err == nil {
			err = ssehub.Visit(ctx, chunk, fn)
			next += uint64(len(chunk))
		}
	}
	return head, err
}

// readChunk is how many entries ReadAfter decodes per read transaction: a
// replay holds at most this many in memory, whatever the history size, and
// no transaction stays open while fn writes to a slow client.
const readChunk = 256

// readRange decodes the entries from..to in one read transaction. Entries
// missing at the start were deleted by retention while a long read went on
// (the reader was slower than the log's turnover): ErrNotRetained.
func (l *Log) readRange(from, to uint64) ([]*ssehub.Entry, error) {
	entries := make([]*ssehub.Entry, 0, to-from+1)
	err := l.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(entriesBucket).Cursor()
		want := from
		for k, v := c.Seek(seqKey(want)); k != nil && want <= to; k, v = c.Next() {
			if seq := binary.BigEndian.Uint64(k); seq != want {
				break
			}
			e := new(ssehub.Entry)
			if err := e.UnmarshalBinary(v); err != nil {
				return fmt.Errorf("corrupt log: entry %d: %w", want, err)
			}
			entries = append(entries, e)
			want++
		}
		switch {
		case want == from:
			return ssehub.ErrNotRetained
		case want <= to:
			return fmt.Errorf("corrupt log: entry %d is missing", want)
		}
		return nil
	})
	if err != nil && !errors.Is(err, ssehub.ErrNotRetained) {
		err = fmt.Errorf("bolt: read %s: %w", l.path, err)
	}
	return entries, err
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
// It reads the prefix of codec version 1 (version byte, uvarint seq, varint
// Unix nanoseconds) and decodes the whole entry for any other version.
func entryTime(v []byte) (time.Time, error) {
	if len(v) > 0 && v[0] == 1 {
		if _, n := binary.Uvarint(v[1:]); n > 0 {
			if ns, m := binary.Varint(v[1+n:]); m > 0 {
				return time.Unix(0, ns), nil
			}
		}
	}
	var e ssehub.Entry
	if err := e.UnmarshalBinary(v); err != nil {
		return time.Time{}, err
	}
	return e.Time, nil
}
