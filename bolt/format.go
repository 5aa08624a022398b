package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/store"
	bbolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

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

// prepare checks that db holds a log this package can read, creates the
// buckets in a database that has none or upgrades a log of an older format,
// and returns the head. It writes nothing to a database it refuses.
func prepare(db *bbolt.DB) (head uint64, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("corrupt bbolt database: %v", p)
		}
	}()
	var version uint64
	err = db.View(func(tx *bbolt.Tx) error {
		var err error
		version, head, err = check(tx)
		return err
	})
	switch {
	case err != nil:
	case version == 0:
		err = db.Update(create) // Open holds the file's lock: still empty
	case version == 1:
		err = db.Update(upgradeFrom1)
	}
	return head, err
}

// check validates a log's layout and returns its version (0 for an empty
// database) and head.
func check(tx *bbolt.Tx) (version, head uint64, err error) {
	var errs []error
	for err := range tx.Check() {
		if len(errs) < 3 {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return 0, 0, fmt.Errorf("corrupt bbolt database: %w", errors.Join(errs...))
	}
	meta := tx.Bucket(metaBucket)
	if meta == nil {
		var names []string
		_ = tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			names = append(names, fmt.Sprintf("%q", name))
			return nil
		})
		if len(names) > 0 {
			return 0, 0, fmt.Errorf("not an ssehub log: it holds bucket(s) %s but no %q bucket", strings.Join(names, ", "), metaBucket)
		}
		return 0, 0, nil
	}
	v := meta.Get(versionKey)
	switch {
	case v == nil:
		return 0, 0, fmt.Errorf("not an ssehub log, or corrupt: no format version in bucket %q", metaBucket)
	case len(v) != 8:
		return 0, 0, fmt.Errorf("corrupt ssehub log: format version is %d bytes, want 8", len(v))
	}
	version = binary.BigEndian.Uint64(v)
	if version < 1 || version > formatVersion {
		return 0, 0, fmt.Errorf("unknown ssehub log format version %d (this program reads versions 1 to %d)", version, formatVersion)
	}
	h := meta.Get(headKey)
	if len(h) != 8 {
		return 0, 0, fmt.Errorf("corrupt ssehub log: head is %d bytes, want 8", len(h))
	}
	head = binary.BigEndian.Uint64(h)
	entries := tx.Bucket(entriesBucket)
	if entries == nil {
		return 0, 0, fmt.Errorf("corrupt ssehub log: no %q bucket", entriesBucket)
	}
	if version >= 2 {
		if err := checkVersion2(tx, meta); err != nil {
			return 0, 0, err
		}
	}
	if version >= 3 && tx.Bucket(eventIDsBucket) == nil {
		return 0, 0, fmt.Errorf("corrupt ssehub log: no %q bucket", eventIDsBucket)
	}
	if k, _ := entries.Cursor().Last(); k != nil {
		if len(k) != 8 {
			return 0, 0, fmt.Errorf("corrupt ssehub log: entry key is %d bytes, want 8", len(k))
		}
		if last := binary.BigEndian.Uint64(k); last > head {
			return 0, 0, fmt.Errorf("corrupt ssehub log: entry %d is newer than the head, %d", last, head)
		}
	}
	return version, head, nil
}

// checkVersion2 checks what version 2 added: the dropped bucket, and the
// dropped index's and the entries' sizes in meta.
func checkVersion2(tx *bbolt.Tx, meta *bbolt.Bucket) error {
	if tx.Bucket(droppedBucket) == nil {
		return fmt.Errorf("corrupt ssehub log: no %q bucket", droppedBucket)
	}
	for _, k := range []string{dropFloorKey, dropAnyKey, dropCountKey, string(bytesKey)} {
		if v := meta.Get([]byte(k)); len(v) != 8 {
			return fmt.Errorf("corrupt ssehub log: %q is %d bytes, want 8", k, len(v))
		}
	}
	return nil
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
	if err := meta.Put(headKey, seqKey(0)); err != nil {
		return err
	}
	return addVersion2(tx, 0, 0)
}

// upgradeFrom1 adds to a log of version 1 the index of dropped entries and
// the size of the stored entries. Version 1 deleted entries without
// remembering their targets: a position before the oldest entry left counts
// as having lost something, for every stream (the index's floor).
func upgradeFrom1(tx *bbolt.Tx) error {
	head := binary.BigEndian.Uint64(tx.Bucket(metaBucket).Get(headKey))
	floor := head
	var total uint64
	c := tx.Bucket(entriesBucket).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var e ssehub.Entry
		if err := store.UnmarshalEntry(v, &e); err != nil {
			return fmt.Errorf("corrupt log: entry %d: %w", binary.BigEndian.Uint64(k), err)
		}
		floor = min(floor, e.Seq-1)
		total += uint64(e.Size())
	}
	return addVersion2(tx, floor, total)
}

// addVersion2 creates what version 2 adds, the dropped bucket (with the
// given floor) and the size of the stored entries, and sets the version.
func addVersion2(tx *bbolt.Tx, floor, total uint64) error {
	if _, err := tx.CreateBucket(droppedBucket); err != nil {
		return err
	}
	meta := tx.Bucket(metaBucket)
	for k, v := range map[string]uint64{dropFloorKey: floor, dropAnyKey: floor, dropCountKey: 0, string(bytesKey): total, string(versionKey): 2} {
		if err := meta.Put([]byte(k), seqKey(v)); err != nil {
			return err
		}
	}
	return nil
}

// addVersion3 creates what version 3 adds, the index of event ids, sets
// the version, and returns the index. A log becomes version 3 in the
// transaction that stores its first entry of codec version 2 (see
// needsVersion3): until then a program that knows only version 2 reads it.
// The index starts empty: no entry before had an event id.
func addVersion3(tx *bbolt.Tx) (*bbolt.Bucket, error) {
	ids, err := tx.CreateBucket(eventIDsBucket)
	if err != nil {
		return nil, err
	}
	return ids, tx.Bucket(metaBucket).Put(versionKey, seqKey(3))
}

// needsVersion3 reports whether an encoded entry needs a log of version 3:
// one of entry codec version 2 (an event id, Private or Retry), which a
// program that knows only version 2 of the file could not decode.
func needsVersion3(encoded []byte) bool { return len(encoded) > 0 && encoded[0] != 1 }
