package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/store"
)

// A logState is what the state script reports: where the log's numbering
// began, its head, what its retention dropped, and how many entries it
// holds (consecutive, up to the head).
type logState struct {
	base, head, floor, any uint64
	epoch                  uint64                     // raised when the head went back (see raiseHead)
	bytes, length          uint64                     // of the entries held
	scores                 map[store.TargetKey]uint64 // newest dropped seq, per key of the subscription
}

// first is the oldest entry held (head+1 when none is).
func (s *logState) first() uint64 { return s.head - s.length + 1 }

// lost is store.Lost with what Redis remembers of the dropped entries. A
// position below the floor lost something whatever it holds: the floor is
// also raised with a head that went back (see raise_head in
// log_common.lua), past entries Redis no longer has, which first, counting
// back from the head, cannot see.
func (s *logState) lost(sub *ssehub.Subscription, after uint64) bool {
	if after < s.floor {
		return true
	}
	return after+1 < s.first() && store.Lost(sub, after, s.floor, s.any, func(k store.TargetKey) uint64 {
		return s.scores[k]
	})
}

// state runs the state script, asking for the dropped scores of sub's
// target keys (none for nil).
func (l *Log) state(ctx context.Context, sub *ssehub.Subscription) (*logState, error) {
	args := l.retentionArgs()
	var keys []store.TargetKey
	if sub != nil {
		for k := range store.SubscriptionKeys(sub) {
			keys = append(keys, k)
			args = append(args, k.String())
		}
	}
	reply, err := stateScript.Run(ctx, l.client, l.keys.scriptKeys(), args...).Slice()
	if err != nil {
		return nil, storeError("log read", err)
	}
	if len(reply) != 7+len(keys) {
		return nil, fmt.Errorf("redis log: unexpected reply from the state script: %v", reply)
	}
	var s logState
	var errs [7]error
	for i, p := range []*uint64{&s.base, &s.head, &s.floor, &s.any, &s.bytes, &s.epoch, &s.length} {
		*p, errs[i] = uintField(reply, i)
	}
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	s.scores = make(map[store.TargetKey]uint64, len(keys))
	for i, k := range keys {
		if v, ok := field(reply, 7+i); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, fmt.Errorf("redis log: dropped index score %q: %w", v, err)
			}
			s.scores[k] = uint64(f)
		}
	}
	return &s, nil
}
