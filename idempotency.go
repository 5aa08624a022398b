package ssehub

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// PublishOnce is PublishBatch under an idempotency key, so that a publisher
// that did not get an answer (a timeout, a crash of the hub) can send the
// same request again without publishing twice. The first call with a key
// publishes msgs; a call with the same key and the same messages within the
// log's key window (Retention.KeyWindow, an hour by default) publishes
// nothing and returns the first call's receipts (their ids), with Repeated
// set and Connections zero; the same key with other messages is refused
// with ErrKeyReused. With a durable log the keys survive a restart.
//
// The key is 1 to MaxKeyLen bytes of printable ASCII. The Log must be an
// IdempotentLog (the memory and bolt logs are).
func (h *Hub) PublishOnce(ctx context.Context, key string, msgs []Message) ([]Receipt, error) {
	if err := h.cfg.Limits.checkOnce(key, msgs); err != nil {
		return nil, err
	}
	il, ok := h.cfg.Log.(IdempotentLog)
	if !ok {
		return nil, ErrNoIdempotency
	}
	if !h.gate.enter() {
		return nil, ErrClosed
	}
	defer h.gate.leave()
	w := h.tally.stopwatch()
	defer w.publishDone(true)

	pubs := make([]*publication, len(msgs))
	recorded := make([]*Message, len(msgs)) // nil for the ephemeral ones
	tickets := make([]Ticket, len(msgs))
	for i, m := range msgs {
		if !m.Ephemeral {
			pubs[i] = h.pending.add(m)
			recorded[i], tickets[i] = &pubs[i].msg, pubs[i].ticket
		}
	}
	aw := h.tally.stopwatch()
	entries, earlier, err := il.AppendOnce(ctx, key, digest(msgs), recorded, tickets)
	aw.appendDone(err)
	counts := make([]int, len(msgs))
	for i, p := range pubs {
		if p != nil {
			counts[i], _ = h.finishPublication(p)
		}
	}
	switch {
	case err != nil:
		return nil, err
	case earlier != nil:
		return repeatedReceipts(earlier), nil
	}
	receipts := make([]Receipt, len(msgs))
	next := 0
	for i := range msgs {
		h.tally.publishedOne(&msgs[i])
		if msgs[i].Ephemeral {
			receipts[i] = h.publishEphemeral(&msgs[i])
			continue
		}
		receipts[i] = Receipt{ID: entries[next].ID(), Streams: counts[i]}
		next++
	}
	return receipts, nil
}

func repeatedReceipts(seqs []uint64) []Receipt {
	rs := make([]Receipt, len(seqs))
	for i, seq := range seqs {
		rs[i].Repeated = true
		if seq != 0 {
			rs[i].ID = formatID(seq)
		}
	}
	return rs
}

// ErrNoIdempotency is returned by PublishOnce when the hub's Log is not an
// IdempotentLog.
var ErrNoIdempotency = errors.New("ssehub: this hub's log does not support idempotency keys")

// digest identifies a request's messages, in order, for idempotency. Logs
// store it with the key, durably, and compare a retry's with it, so for
// given messages it must never change, whatever becomes of the storage
// codec (store.MarshalEntry): its encoding is fixed here, and a test pins
// its value. It is the SHA-256 of, for each message in order,
//
//	"<n>:<ephemeral>:"  n, decimal, and Ephemeral as true or false
//	n bytes:            digestPrefix
//	                    flags byte (bit 0: Broadcast)
//	                    uvarint count, then count × (uvarint length, bytes)   Clients
//	                    uvarint count, then count × (uvarint length, bytes)   Topics
//	                    uvarint length, bytes                                 Type
//	                    uvarint length, bytes                                 Data
//
// The length-prefixed fields make the joined encodings unambiguous.
func digest(msgs []Message) [32]byte {
	h := sha256.New()
	var enc []byte
	for i := range msgs {
		m := &msgs[i]
		enc = append(enc[:0], digestPrefix...)
		enc = append(enc, digestFlags(m))
		enc = appendDigestStrings(enc, m.Clients)
		enc = appendDigestStrings(enc, m.Topics)
		enc = appendDigestBytes(enc, m.Type)
		enc = appendDigestBytes(enc, string(m.Data))
		// Mercure's fields come last, each only when set (its flag says
		// so): a message without them digests as before they existed.
		if m.EventID != "" {
			enc = appendDigestBytes(enc, m.EventID)
		}
		if m.Retry != 0 {
			enc = binary.AppendVarint(enc, int64(m.Retry))
		}
		fmt.Fprintf(h, "%d:%t:", len(enc), m.Ephemeral)
		h.Write(enc)
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// digestFlags returns the flags byte of m's encoding in digest: 1 for a
// broadcast, then one bit for each of Mercure's fields that is set.
func digestFlags(m *Message) byte {
	var flags byte
	if m.Broadcast {
		flags |= 1
	}
	if m.Private {
		flags |= 2
	}
	if m.EventID != "" {
		flags |= 4
	}
	if m.Retry != 0 {
		flags |= 8
	}
	return flags
}

// digestPrefix starts each message's encoding in digest. These bytes are
// what the entry codec's version 1 wrote before the flags for an entry
// with no sequence number and the zero time (the version byte, uvarint 0,
// and the varint that time.Time{}.UnixNano() gives), which is how digests
// were made until the encoding was fixed here: the keys stored then still
// match a retry.
var digestPrefix = []byte{0x01, 0x00, 0xff, 0xff, 0xaf, 0xae, 0x98, 0x85, 0xfe, 0xcd, 0xbc, 0x01}

func appendDigestStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendDigestBytes(b, s)
	}
	return b
}

func appendDigestBytes(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
