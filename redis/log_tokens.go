package redis

import (
	"crypto/rand"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ssehub/ssehub"
)

// tokens let the feed hand the listener the *Message an Append of this Log
// value was called with (Listener.Deliver's src): each message appended is
// stored with a token naming this Log value and a counter, and registered
// here until its Append returns. The feed may read the entry before the
// append script's reply reaches Append, so the sequence number cannot be
// the link.
type tokens struct {
	node string // random, of a fixed length; distinct per Log value
	next atomic.Uint64

	mu   sync.Mutex
	msgs map[uint64]*ssehub.Message
}

func newTokens() *tokens {
	return &tokens{node: rand.Text()[:16] + ":", msgs: make(map[uint64]*ssehub.Message)}
}

// register reserves a token per message (nil ones included, unregistered)
// and returns the first.
func (t *tokens) register(msgs []*ssehub.Message) uint64 {
	first := t.next.Add(uint64(len(msgs))) - uint64(len(msgs))
	t.mu.Lock()
	for i, m := range msgs {
		if m != nil {
			t.msgs[first+uint64(i)] = m
		}
	}
	t.mu.Unlock()
	return first
}

// release forgets the n tokens from first: their Append has returned, and
// a late delivery gets src nil.
func (t *tokens) release(first uint64, n int) {
	t.mu.Lock()
	for i := range uint64(n) {
		delete(t.msgs, first+i)
	}
	t.mu.Unlock()
}

// token is the stored form of token n.
func (t *tokens) token(n uint64) string { return t.node + strconv.FormatUint(n, 10) }

// lookup returns the message registered under a stored token, or nil for
// one of another Log value or one released.
func (t *tokens) lookup(token string) *ssehub.Message {
	s, ok := strings.CutPrefix(token, t.node)
	if !ok {
		return nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.msgs[n]
}
