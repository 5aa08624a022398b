package redis

import (
	"context"

	"github.com/ssehub/ssehub"
)

var _ ssehub.OldestLog = (*Log)(nil)

// Oldest implements ssehub.OldestLog: the position before the oldest entry
// Redis holds, from one state script call (which applies retention first,
// age included), so ReadAfter from it reads every retained entry. On a
// new log it is the head, where the numbering began. Errors of an
// unreachable Redis wrap ssehub.ErrUnavailable.
func (l *Log) Oldest(ctx context.Context) (uint64, error) {
	select {
	case <-l.closed:
		return 0, ssehub.ErrClosed
	default:
	}
	st, err := l.state(ctx, nil)
	if err != nil {
		return 0, err
	}
	return st.first() - 1, nil
}
