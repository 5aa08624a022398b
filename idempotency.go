package ssehub

import (
	"context"
	"crypto/sha256"
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
	for i, m := range msgs {
		if !m.Ephemeral {
			pubs[i] = h.pending.add(m)
			recorded[i] = &pubs[i].msg
		}
	}
	aw := h.tally.stopwatch()
	entries, earlier, err := il.AppendOnce(ctx, key, digest(msgs), recorded)
	aw.appendDone(err)
	counts := make([]int, len(msgs))
	for i, p := range pubs {
		if p != nil {
			counts[i], _ = h.pending.finish(p)
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
		receipts[i] = Receipt{ID: entries[next].ID(), Connections: counts[i]}
		next++
	}
	return receipts, nil
}

func repeatedReceipts(seqs []uint64) []Receipt {
	rs := make([]Receipt, len(seqs))
	for i, seq := range seqs {
		rs[i].Repeated = true
		if seq != 0 {
			rs[i].ID = FormatID(seq)
		}
	}
	return rs
}

// ErrNoIdempotency is returned by PublishOnce when the hub's Log is not an
// IdempotentLog.
var ErrNoIdempotency = errors.New("ssehub: this hub's log does not support idempotency keys")

// digest identifies a request's messages, in order, for idempotency.
func digest(msgs []Message) [32]byte {
	h := sha256.New()
	for _, m := range msgs {
		enc, _ := (&Entry{Message: m}).MarshalBinary() // length-prefixed fields: unambiguous when joined
		fmt.Fprintf(h, "%d:%t:", len(enc), m.Ephemeral)
		h.Write(enc)
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}
