package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/store"
	bbolt "go.etcd.io/bbolt"
)

// readChunk is how many entries ReadAfter decodes per read transaction: a
// replay holds at most this many in memory, whatever the history size, and
// no transaction stays open while fn writes to a slow client.
const readChunk = 256

// ReadAfter implements ssehub.Log. The head it returns is the newest entry
// committed, which Deliver may not have been called with yet (see
// ssehub.Log: Positions). It decides in one read transaction whether the
// stream lost anything, then reads the entries: the newest ones from memory
// (see recent), older ones from the file, decoded in chunks, each in a
// transaction of its own, calling fn between transactions.
//
// Entries that retention no longer keeps but no commit has deleted yet
// count as dropped.
func (l *Log) ReadAfter(ctx context.Context, after uint64, sub *ssehub.Subscription, fn func(*ssehub.Entry) error) (uint64, error) {
	select {
	case <-l.quit:
		return 0, ssehub.ErrClosed
	default:
	}
	var head, next uint64
	err := l.db.View(func(tx *bbolt.Tx) (err error) {
		head, next, err = l.startRead(tx, after, sub)
		return err
	})
	if err != nil && !errors.Is(err, ssehub.ErrNotRetained) && !errors.Is(err, ssehub.ErrUnknownPosition) {
		err = fmt.Errorf("bolt: read %s: %w", l.path, err)
	}
	for err == nil && next <= head {
		chunk, after := l.recent.Read(next, head, sub)
		if after == next { // not in memory: from the file
			chunk, after, err = l.readRange(next, min(head, next+readChunk-1), sub)
		}
		if err == nil {
			err = store.Visit(ctx, chunk, fn)
		}
		next = after
	}
	return head, err
}

// startRead returns the head and the first entry to read after `after`, or
// the error that ends the read before it starts.
func (l *Log) startRead(tx *bbolt.Tx, after uint64, sub *ssehub.Subscription) (head, next uint64, err error) {
	head = binary.BigEndian.Uint64(tx.Bucket(metaBucket).Get(headKey))
	if after > head {
		return head, 0, ssehub.ErrUnknownPosition
	}
	b := tx.Bucket(entriesBucket)
	oldest := head + 1
	if k, _ := b.Cursor().First(); k != nil {
		oldest = binary.BigEndian.Uint64(k)
	}
	if after+1 < oldest && loadDropped(tx, l.maxDropped).lost(sub, after) {
		return head, 0, ssehub.ErrNotRetained
	}
	// Entries still stored that retention no longer keeps (expired by age
	// since the last commit, or beyond a count lowered since the file was
	// written) are dropped entries too.
	first, err := l.firstRetained(b, head, getUint(tx.Bucket(metaBucket), bytesKey), time.Now())
	if err != nil {
		return head, 0, err
	}
	next = max(after+1, oldest)
	for ; next < first; next++ {
		var e ssehub.Entry
		if err := store.UnmarshalEntry(b.Get(seqKey(next)), &e); err != nil {
			return head, 0, fmt.Errorf("corrupt log: entry %d: %w", next, err)
		}
		if sub == nil || sub.Receives(&e.Message) {
			return head, 0, ssehub.ErrNotRetained
		}
	}
	return head, next, nil
}

// readRange decodes, in one read transaction, the entries from..to that sub
// receives, and returns them with the number to read next. Entries missing
// at the start were deleted by retention while a long read went on (the
// reader was slower than the log's turnover): ErrNotRetained.
func (l *Log) readRange(from, to uint64, sub *ssehub.Subscription) ([]*ssehub.Entry, uint64, error) {
	var entries []*ssehub.Entry
	want := from
	err := l.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(entriesBucket).Cursor()
		for k, v := c.Seek(seqKey(want)); k != nil && want <= to; k, v = c.Next() {
			if seq := binary.BigEndian.Uint64(k); seq != want {
				break
			}
			e := new(ssehub.Entry)
			if err := store.UnmarshalEntry(v, e); err != nil {
				return fmt.Errorf("corrupt log: entry %d: %w", want, err)
			}
			if sub == nil || sub.Receives(&e.Message) {
				entries = append(entries, e)
			}
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
	return entries, want, err
}
