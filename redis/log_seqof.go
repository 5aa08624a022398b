package redis

import (
	"context"
	_ "embed"
	"errors"
	"strconv"

	goredis "github.com/redis/go-redis/v9"
	"github.com/ssehub/ssehub"
)

//go:embed scripts/log_seqof.lua
var logSeqOfLua string

// seqOfScript looks an event id up (see log_seqof.lua).
var seqOfScript = goredis.NewScript(logCommonLua + logSeqOfLua)

var _ ssehub.EventIDLog = (*Log)(nil)

// SeqOf implements ssehub.EventIDLog: one script call (one round trip)
// looks id up in the log's index of event ids, which the append script
// writes with the entries and the trim empties with them, so any node
// finds an id any other node appended. An entry older than MaxAge that no
// script has trimmed yet is not found. Errors of an unreachable Redis wrap
// ssehub.ErrUnavailable.
func (l *Log) SeqOf(ctx context.Context, id string) (seq uint64, found bool, err error) {
	select {
	case <-l.closed:
		return 0, false, ssehub.ErrClosed
	default:
	}
	if id == "" {
		return 0, false, nil
	}
	maxAge := l.retentionArgs()[2] // µs, as the trim reads it
	s, err := seqOfScript.Run(ctx, l.client, l.keys.scriptKeys(), maxAge, id).Text()
	switch {
	case errors.Is(err, goredis.Nil):
		return 0, false, nil
	case err != nil:
		return 0, false, storeError("log find an event id", err)
	}
	seq, err = strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, false, errors.Join(errCorrupt, err)
	}
	return seq, true, nil
}
