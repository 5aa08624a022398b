package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/ssehub/ssehub"
	bbolt "go.etcd.io/bbolt"
)

// Idempotency keys (see ssehub.IdempotentLog) live in two buckets, made
// when first needed:
//
//	"keys"      key → digest (32 bytes), Unix nanoseconds (8), then the
//	            sequence numbers of its append (8 each, 0 for a message
//	            not appended)
//	"keytimes"  Unix nanoseconds (8, big-endian) + key → empty, to forget
//	            the keys older than the window in order
var (
	keysBucket     = []byte("keys")
	keyTimesBucket = []byte("keytimes")
)

// keyStore is the idempotency keys within one write transaction.
type keyStore struct {
	keys, times *bbolt.Bucket
	now         time.Time
	window      time.Duration
}

// openKeys opens the key buckets of tx and forgets the keys older than
// window.
func openKeys(tx *bbolt.Tx, now time.Time, window time.Duration) (*keyStore, error) {
	keys, err := tx.CreateBucketIfNotExists(keysBucket)
	if err != nil {
		return nil, err
	}
	times, err := tx.CreateBucketIfNotExists(keyTimesBucket)
	if err != nil {
		return nil, err
	}
	ks := &keyStore{keys: keys, times: times, now: now, window: window}
	limit := binary.BigEndian.AppendUint64(nil, uint64(now.Add(-window).UnixNano()))
	var old [][]byte
	c := times.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k[:8], limit) < 0; k, _ = c.Next() {
		old = append(old, append([]byte(nil), k...))
	}
	for _, k := range old {
		if err := times.Delete(k); err != nil {
			return nil, err
		}
		if v := keys.Get(k[8:]); len(v) >= 40 && bytes.Equal(v[32:40], k[:8]) { // not put again since
			if err := keys.Delete(k[8:]); err != nil {
				return nil, err
			}
		}
	}
	return ks, nil
}

// repeat reports whether r's key was used within the window, and if so
// sets r's outcome: the earlier sequence numbers, or ErrKeyReused.
func (ks *keyStore) repeat(r *request) bool {
	v := ks.keys.Get([]byte(r.key))
	if len(v) < 40 || (len(v)-40)%8 != 0 {
		return false
	}
	at := time.Unix(0, int64(binary.BigEndian.Uint64(v[32:40])))
	if ks.now.Sub(at) > ks.window {
		return false
	}
	r.es, r.esTickets = nil, nil
	if !bytes.Equal(v[:32], r.digest[:]) {
		r.err = ssehub.ErrKeyReused
		return true
	}
	r.earlier = make([]uint64, 0, (len(v)-40)/8)
	for p := v[40:]; len(p) >= 8; p = p[8:] {
		r.earlier = append(r.earlier, binary.BigEndian.Uint64(p))
	}
	return true
}

// put remembers key with its digest and sequence numbers.
func (ks *keyStore) put(key string, digest [32]byte, seqs []uint64) error {
	if old := ks.keys.Get([]byte(key)); len(old) >= 40 { // expired: its time entry goes with it
		if err := ks.times.Delete(append(append([]byte(nil), old[32:40]...), key...)); err != nil {
			return err
		}
	}
	at := uint64(ks.now.UnixNano())
	v := append(digest[:], binary.BigEndian.AppendUint64(nil, at)...)
	for _, s := range seqs {
		v = binary.BigEndian.AppendUint64(v, s)
	}
	if err := ks.keys.Put([]byte(key), v); err != nil {
		return fmt.Errorf("put idempotency key: %w", err)
	}
	return ks.times.Put(append(binary.BigEndian.AppendUint64(nil, at), key...), nil)
}
