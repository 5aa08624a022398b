package bolt

import (
	"context"
	"fmt"
	"time"

	"github.com/ssehub/ssehub"
	bbolt "go.etcd.io/bbolt"
)

var _ ssehub.OldestLog = (*Log)(nil)

// Oldest implements ssehub.OldestLog: the position before the oldest entry
// retention keeps, in one read transaction. Entries that age retention no
// longer keeps but no commit has deleted yet are not counted, as ReadAfter
// counts them dropped: ReadAfter from the position returned reads every
// retained entry, without ssehub.ErrNotRetained.
func (l *Log) Oldest(ctx context.Context) (uint64, error) {
	select {
	case <-l.quit:
		return 0, ssehub.ErrClosed
	default:
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var first uint64
	err := l.db.View(func(tx *bbolt.Tx) (err error) {
		meta := tx.Bucket(metaBucket)
		first, err = l.firstRetained(tx.Bucket(entriesBucket), getUint(meta, headKey), getUint(meta, bytesKey), time.Now())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("bolt: read %s: %w", l.path, err)
	}
	return first - 1, nil
}
