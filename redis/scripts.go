package redis

import (
	"context"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/store"
)

// Every change to the log is one Lua script, so that it is atomic: an
// append and the retention it triggers, an idempotency key and the entries
// it names, happen together or not at all, whatever the other nodes do.
// The scripts share their helpers by concatenation (Redis scripts cannot
// call one another).
var (
	//go:embed scripts/log_common.lua
	logCommonLua string
	//go:embed scripts/log_append.lua
	logAppendLua string
	//go:embed scripts/log_state.lua
	logStateLua string
	//go:embed scripts/log_raise.lua
	logRaiseLua string

	appendScript = goredis.NewScript(logCommonLua + logAppendLua)
	stateScript  = goredis.NewScript(logCommonLua + logStateLua)
	raiseScript  = goredis.NewScript(logCommonLua + logRaiseLua)
)

// logKeys are the Redis keys of one log. They share the hash tag {log}, so
// that a script touching several of them runs on one Redis Cluster slot.
type logKeys struct {
	stream  string // the entries, with ids <seq>-0
	meta    string // base, head, floor, any, bytes
	dropped string // ZSET: target key → newest dropped seq with it
	ids     string // HASH: event id → seq of the newest entry with it
	key     string // prefix of the idempotency keys
	ready   string // written by Check: the log's server takes writes
}

func newLogKeys(prefix string) logKeys {
	p := prefix + ":{log}:"
	return logKeys{stream: p + "stream", meta: p + "meta", dropped: p + "dropped", ids: p + "ids", key: p + "key:", ready: p + "ready"}
}

func (k logKeys) scriptKeys() []string { return []string{k.stream, k.meta, k.dropped, k.ids} }

// retentionArgs are the first arguments of every script: the limits trim
// applies.
func (l *Log) retentionArgs() []any {
	var maxAge int64 // µs; 0 means no age limit
	if l.ret.MaxAge > 0 {
		maxAge = max(1, l.ret.MaxAge.Microseconds())
	}
	return []any{store.MaxEntries(l.ret), store.MaxBytes(l.ret), maxAge, l.maxDropped}
}

// appendResult is what the append script answers.
type appendResult struct {
	first   uint64   // the first message's seq (0 when none was appended)
	micros  int64    // the entries' time, the server's clock
	earlier []uint64 // an idempotency key's earlier seqs; nil otherwise
}

// runAppend runs the append script for msgs, nil ones included (they are
// only counted in the key's record), under key (none when "").
func (l *Log) runAppend(ctx context.Context, key string, digest [32]byte, msgs []*ssehub.Message, tickets []ssehub.Ticket) (appendResult, error) {
	mask, margs, err := l.messageArgs(msgs, tickets)
	if err != nil {
		return appendResult{}, err
	}
	until, _ := ctx.Deadline()
	return l.runScript(ctx, key, digest, mask, margs, until)
}

// messageArgs returns the append script's mask and per-message arguments
// for msgs, with their tickets (none if tickets is nil). A message with an
// EventID, Private or Retry is '2' in the mask, with three more arguments
// (see mercureArgs): the others cost what they did before those existed.
func (l *Log) messageArgs(msgs []*ssehub.Message, tickets []ssehub.Ticket) (mask []byte, args []any, err error) {
	mask = make([]byte, len(msgs))
	for i, m := range msgs {
		mask[i] = '0'
		if m == nil {
			continue
		}
		mask[i] = '1'
		targets, err := encodeTargets(m)
		if err != nil {
			return nil, nil, err
		}
		var ticket ssehub.Ticket
		if tickets != nil {
			ticket = tickets[i]
		}
		size := (&ssehub.Entry{Message: *m}).Size()
		args = append(args, size, l.origin.mark(ticket), targets, m.Type, m.Data)
		if extra := mercureArgs(m); extra != nil {
			mask[i] = '2'
			args = append(args, extra...)
		}
	}
	return mask, args, nil
}

// runScript runs the append script with the given mask and per-message
// arguments, under key (none when ""). With LogOptions.Replicas, it then
// waits for the replicas, until at the latest (zero: MaxReplicaWait).
func (l *Log) runScript(ctx context.Context, key string, digest [32]byte, mask []byte, margs []any, until time.Time) (appendResult, error) {
	keys := l.keys.scriptKeys()
	window := max(1, store.KeyWindow(l.ret).Milliseconds())
	// The newest seq this node may have handed to clients: the script
	// numbers above it even when the head went back (see log_append.lua).
	seen := strconv.FormatUint(l.feed.begun.Load(), 10)
	args := append(l.retentionArgs(), window, hex.EncodeToString(digest[:]), mask, seen)
	args = append(args, margs...)
	if key != "" {
		keys = append(keys, l.keys.key+key)
	}
	if l.replicas > 0 {
		reply, err := l.evalReplicated(ctx, keys, args, until)
		if err != nil {
			return appendResult{}, err
		}
		return parseAppend(reply)
	}
	reply, err := appendScript.Run(ctx, l.client, keys, args...).Slice()
	if err != nil {
		return appendResult{}, storeError("log append", err)
	}
	return parseAppend(reply)
}

func parseAppend(reply []any) (appendResult, error) {
	kind, _ := field(reply, 0)
	switch kind {
	case "ok":
		first, err1 := uintField(reply, 1)
		micros, err2 := uintField(reply, 2)
		if err := errors.Join(err1, err2); err != nil {
			return appendResult{}, err
		}
		return appendResult{first: first, micros: int64(micros)}, nil
	case "earlier":
		s, _ := field(reply, 1)
		seqs := []uint64{}
		for part := range strings.SplitSeq(s, ",") {
			if s == "" {
				break
			}
			seq, err := strconv.ParseUint(part, 10, 64)
			if err != nil {
				return appendResult{}, fmt.Errorf("redis log: idempotency key record %q: %w", s, err)
			}
			seqs = append(seqs, seq)
		}
		return appendResult{earlier: seqs}, nil
	case "reused":
		return appendResult{}, ssehub.ErrKeyReused
	}
	return appendResult{}, fmt.Errorf("redis log: unexpected reply from the append script: %v", reply)
}

// raiseHead raises the log's head to at least seq, and returns the epoch
// (see log_raise.lua).
func (l *Log) raiseHead(ctx context.Context, seq uint64) (uint64, error) {
	epoch, err := raiseScript.Run(ctx, l.client, l.keys.scriptKeys(), strconv.FormatUint(seq, 10)).Text()
	if err != nil {
		return 0, storeError("log raise the head", err)
	}
	return strconv.ParseUint(epoch, 10, 64)
}

// field returns reply[i] as a string; ok is false for a nil (or missing)
// element.
func field(reply []any, i int) (string, bool) {
	if i >= len(reply) || reply[i] == nil {
		return "", false
	}
	switch v := reply[i].(type) {
	case string:
		return v, true
	case int64:
		return strconv.FormatInt(v, 10), true
	}
	return fmt.Sprint(reply[i]), true
}

func uintField(reply []any, i int) (uint64, error) {
	s, _ := field(reply, i)
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("redis log: unexpected reply from a script (element %d of %v): %w", i, reply, err)
	}
	return n, nil
}
