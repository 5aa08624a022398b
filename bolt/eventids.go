package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/ssehub/ssehub"
	bbolt "go.etcd.io/bbolt"
)

// The index of event ids (see ssehub.EventIDLog) is the "eventids" bucket:
// Message.EventID → the sequence number of the newest entry appended with
// it (8 bytes, big-endian). It is written in the transaction that puts the
// entry, and an id leaves it in the transaction that deletes the entry it
// names, so it holds exactly the ids of the stored entries and is bounded
// by retention as they are. A log of version 2 has no bucket (nor any
// entry with an event id): the first such entry creates it.

// putEventID indexes e's event id, if it has one. A newer entry with the
// same id takes the id over.
func putEventID(ids *bbolt.Bucket, e *ssehub.Entry) error {
	if e.EventID == "" { // ids is not nil otherwise: see needsVersion3
		return nil
	}
	if err := ids.Put([]byte(e.EventID), seqKey(e.Seq)); err != nil {
		return fmt.Errorf("put event id of entry %d: %w", e.Seq, err)
	}
	return nil
}

// dropEventID forgets e's event id as retention deletes e, unless a newer
// entry took the id over (then the index names that one, still stored).
func dropEventID(ids *bbolt.Bucket, e *ssehub.Entry) error {
	if e.EventID == "" || ids == nil || !bytes.Equal(ids.Get([]byte(e.EventID)), seqKey(e.Seq)) {
		return nil
	}
	if err := ids.Delete([]byte(e.EventID)); err != nil {
		return fmt.Errorf("delete event id of entry %d: %w", e.Seq, err)
	}
	return nil
}

// SeqOf implements ssehub.EventIDLog: one read transaction looks id up in
// the index. An entry that retention no longer keeps but no commit has
// deleted yet (expired by age since the last commit) is not found, as
// ReadAfter counts it dropped.
func (l *Log) SeqOf(ctx context.Context, id string) (seq uint64, found bool, err error) {
	select {
	case <-l.quit:
		return 0, false, ssehub.ErrClosed
	default:
	}
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	if id == "" {
		return 0, false, nil
	}
	err = l.db.View(func(tx *bbolt.Tx) error {
		ids := tx.Bucket(eventIDsBucket)
		if ids == nil { // version 2: no entry has an id
			return nil
		}
		v := ids.Get([]byte(id))
		if v == nil {
			return nil
		}
		if len(v) != 8 {
			return fmt.Errorf("corrupt log: event id %q maps to %d bytes, want 8", id, len(v))
		}
		seq = binary.BigEndian.Uint64(v)
		meta := tx.Bucket(metaBucket)
		head := getUint(meta, headKey)
		first, err := l.firstRetained(tx.Bucket(entriesBucket), head, getUint(meta, bytesKey), time.Now())
		found = err == nil && seq >= first && seq <= head
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("bolt: find event id in %s: %w", l.path, err)
	}
	if !found {
		seq = 0
	}
	return seq, found, nil
}
