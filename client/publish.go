package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
)

// Publish publishes one event and returns its receipt. Every attempt of
// the call carries the same idempotency key (see the package
// documentation), so that retries publish it once.
func (c *Client) Publish(ctx context.Context, m Message) (Receipt, error) {
	body, err := encodeOne(m)
	if err != nil {
		return Receipt{}, err
	}
	var r Receipt
	err = c.do(ctx, request{method: http.MethodPost, path: "/publish", body: body, key: NewKey()}, &r)
	return r, err
}

// PublishBatch publishes msgs (1 to 1000) in one request, in order, with
// consecutive ids: all of them or, if any is invalid, none (ErrInvalid,
// naming the first bad one). It retries as Publish does.
func (c *Client) PublishBatch(ctx context.Context, msgs []Message) ([]Receipt, error) {
	return c.PublishOnce(ctx, NewKey(), msgs)
}

// PublishOnce is PublishBatch under an idempotency key of the caller's
// (1 to 256 printable ASCII characters; NewKey makes one), for a publish
// that must stay safe to repeat across restarts of the publisher: store the
// key with the work before publishing, and publish again with it after a
// crash. The first call publishes; a call with the same key and the same
// messages, within the hub's key window (an hour), returns the first
// call's ids marked Repeated; the same key with other messages is
// ErrKeyReused.
func (c *Client) PublishOnce(ctx context.Context, key string, msgs []Message) ([]Receipt, error) {
	if key == "" {
		return nil, errors.New("ssehub client: PublishOnce needs a key: make one with NewKey")
	}
	if len(msgs) == 0 {
		return nil, fmt.Errorf("%w: no message to publish", ErrInvalid)
	}
	body, err := encodeBatch(msgs)
	if err != nil {
		return nil, err
	}
	var rs []Receipt
	if err := c.do(ctx, request{method: http.MethodPost, path: "/publish", body: body, key: key}, &rs); err != nil {
		return nil, err
	}
	if len(rs) != len(msgs) {
		return rs, fmt.Errorf("ssehub client: %d receipts for %d messages", len(rs), len(msgs))
	}
	return rs, nil
}

// NewKey returns a new random idempotency key: 128 bits, in hex.
func NewKey() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}
