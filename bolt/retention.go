package bolt

import (
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/store"
	bbolt "go.etcd.io/bbolt"
)

// The index of dropped entries (see store.DroppedIndex) lives in the
// "dropped" bucket, target key → newest entry dropped with it, and in these
// meta keys.
const (
	dropFloorKey = "dropfloor" // positions older than this lost something
	dropAnyKey   = "dropany"   // newest entry dropped
	dropCountKey = "dropcount" // keys in the dropped bucket
)

// bytesKey holds, in the meta bucket, the sum of the stored entries'
// ssehub.Entry.Size, for Retention.MaxBytes.
var bytesKey = []byte("bytes")

func getUint(b *bbolt.Bucket, key []byte) uint64 { return binary.BigEndian.Uint64(b.Get(key)) }

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
	meta := tx.Bucket(metaBucket)
	total := getUint(meta, bytesKey)
	keys, err := openKeys(tx, now, store.KeyWindow(l.ret))
	if err != nil {
		return nil, err
	}
	ids := tx.Bucket(eventIDsBucket)
	var entries []*ssehub.Entry
	for _, r := range batch {
		if r.once && keys.repeat(r) {
			continue
		}
		r.es, r.esTickets = nil, nil
		seqs := make([]uint64, len(r.msgs))
		for i, m := range r.msgs {
			if m == nil {
				continue
			}
			seq++
			e := &ssehub.Entry{Seq: seq, Time: now, Message: *m}
			v := store.MarshalEntry(e)
			if ids == nil && needsVersion3(v) {
				if ids, err = addVersion3(tx); err != nil {
					return nil, fmt.Errorf("upgrade to format version 3: %w", err)
				}
			}
			if err := b.Put(seqKey(seq), v); err != nil {
				return nil, fmt.Errorf("put entry %d: %w", seq, err)
			}
			if err := putEventID(ids, e); err != nil {
				return nil, err
			}
			r.es, r.esTickets = append(r.es, e), append(r.esTickets, r.ticketOf(i))
			entries = append(entries, e)
			total += uint64(e.Size())
			seqs[i] = seq
		}
		if r.once {
			if err := keys.put(r.key, r.digest, seqs); err != nil {
				return nil, err
			}
		}
	}
	if err := meta.Put(headKey, seqKey(seq)); err != nil {
		return nil, fmt.Errorf("put head: %w", err)
	}
	if err := meta.Put(bytesKey, seqKey(total)); err != nil {
		return nil, fmt.Errorf("put bytes: %w", err)
	}
	return entries, l.expire(tx, seq, now)
}

// expire deletes the entries that retention no longer keeps, head being the
// newest entry, and records their targets in the dropped index.
func (l *Log) expire(tx *bbolt.Tx, head uint64, now time.Time) error {
	b := tx.Bucket(entriesBucket)
	k, _ := b.Cursor().First()
	if k == nil {
		return nil
	}
	meta := tx.Bucket(metaBucket)
	total := getUint(meta, bytesKey)
	first, err := l.firstRetained(b, head, total, now)
	if err != nil || binary.BigEndian.Uint64(k) >= first {
		return err
	}
	idx := loadDropped(tx, l.maxDropped)
	for seq := binary.BigEndian.Uint64(k); seq < first; seq++ {
		e, err := getEntry(b, seq)
		if err != nil {
			return err
		}
		if err := idx.drop(e); err != nil {
			return err
		}
		if err := dropEventID(tx.Bucket(eventIDsBucket), e); err != nil {
			return err
		}
		if err := b.Delete(seqKey(seq)); err != nil {
			return fmt.Errorf("delete entry %d: %w", seq, err)
		}
		total -= min(total, uint64(e.Size()))
	}
	if err := meta.Put(bytesKey, seqKey(total)); err != nil {
		return fmt.Errorf("put bytes: %w", err)
	}
	return idx.save()
}

// getEntry decodes entry seq.
func getEntry(b *bbolt.Bucket, seq uint64) (*ssehub.Entry, error) {
	v := b.Get(seqKey(seq))
	if v == nil {
		return nil, fmt.Errorf("corrupt log: entry %d is missing", seq)
	}
	e := new(ssehub.Entry)
	if err := store.UnmarshalEntry(v, e); err != nil {
		return nil, fmt.Errorf("corrupt log: entry %d: %w", seq, err)
	}
	return e, nil
}

// firstRetained returns the sequence number of the oldest entry retention
// keeps, or head+1 when it keeps none; total is the stored entries' size.
func (l *Log) firstRetained(b *bbolt.Bucket, head, total uint64, now time.Time) (uint64, error) {
	k, _ := b.Cursor().First()
	if k == nil {
		return head + 1, nil
	}
	first := binary.BigEndian.Uint64(k)
	byCount := first
	if n := uint64(store.MaxEntries(l.ret)); head >= n && head-n+1 > first {
		byCount = head - n + 1
	}
	limit := uint64(store.MaxBytes(l.ret))
	for ; first < head && (first < byCount || total > limit); first++ {
		e, err := getEntry(b, first)
		if err != nil {
			return 0, err
		}
		total -= min(total, uint64(e.Size()))
	}
	if l.ret.MaxAge <= 0 {
		return first, nil
	}
	oldest := now.Add(-l.ret.MaxAge)
	for ; first <= head; first++ {
		v := b.Get(seqKey(first))
		if v == nil {
			return 0, fmt.Errorf("corrupt log: entry %d is missing", first)
		}
		t, err := entryTime(v)
		if err != nil {
			return 0, fmt.Errorf("corrupt log: entry %d: %w", first, err)
		}
		if !t.Before(oldest) {
			break
		}
	}
	return first, nil
}

// droppedIndex is the stored index of dropped entries within one
// transaction: store.DroppedIndex's rules over the dropped bucket.
type droppedIndex struct {
	keys              *bbolt.Bucket
	meta              *bbolt.Bucket
	max               int
	floor, any, count uint64
}

func loadDropped(tx *bbolt.Tx, maxKeys int) *droppedIndex {
	meta := tx.Bucket(metaBucket)
	get := func(k string) uint64 { return binary.BigEndian.Uint64(meta.Get([]byte(k))) }
	return &droppedIndex{
		keys:  tx.Bucket(droppedBucket),
		meta:  meta,
		max:   maxKeys,
		floor: get(dropFloorKey),
		any:   get(dropAnyKey),
		count: get(dropCountKey),
	}
}

// drop records that entry e was dropped; save writes the counters back.
func (d *droppedIndex) drop(e *ssehub.Entry) error {
	d.any = max(d.any, e.Seq)
	for k := range store.MessageKeys(&e.Message) {
		key := []byte(k.String())
		if d.keys.Get(key) == nil {
			d.count++
		}
		if err := d.keys.Put(key, seqKey(e.Seq)); err != nil {
			return fmt.Errorf("put dropped target: %w", err)
		}
	}
	if d.count > uint64(d.max) {
		return d.forgetOlderHalf()
	}
	return nil
}

// forgetOlderHalf keeps the index bounded, as store.DroppedIndex does.
func (d *droppedIndex) forgetOlderHalf() error {
	var seqs []uint64
	_ = d.keys.ForEach(func(_, v []byte) error {
		seqs = append(seqs, binary.BigEndian.Uint64(v))
		return nil
	})
	slices.Sort(seqs)
	mid := seqs[len(seqs)/2]
	var old [][]byte
	_ = d.keys.ForEach(func(k, v []byte) error {
		if binary.BigEndian.Uint64(v) <= mid {
			old = append(old, append([]byte(nil), k...))
		}
		return nil
	})
	for _, k := range old {
		if err := d.keys.Delete(k); err != nil {
			return fmt.Errorf("delete dropped target: %w", err)
		}
	}
	d.count -= uint64(len(old))
	d.floor = max(d.floor, mid)
	return nil
}

func (d *droppedIndex) save() error {
	for k, v := range map[string]uint64{dropFloorKey: d.floor, dropAnyKey: d.any, dropCountKey: d.count} {
		if err := d.meta.Put([]byte(k), seqKey(v)); err != nil {
			return fmt.Errorf("put %s: %w", k, err)
		}
	}
	return nil
}

// lost reports whether a stream of sub at position after lost a dropped entry.
func (d *droppedIndex) lost(sub *ssehub.Subscription, after uint64) bool {
	return store.Lost(sub, after, d.floor, d.any, func(key store.TargetKey) uint64 {
		if v := d.keys.Get([]byte(key.String())); len(v) == 8 {
			return binary.BigEndian.Uint64(v)
		}
		return 0
	})
}
