package redis

import (
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
	"github.com/ssehub/ssehub"
)

// storeError wraps an error from a command of op ("log append", "presence") so
// that the caller can tell "try again later" from a bug. Anything that is
// not a reply from Redis (a refused or broken connection, a timeout, a
// cancelled context, a closed client) means Redis could not be reached:
// it wraps ssehub.ErrUnavailable, and the HTTP API answers 503. So do the
// replies of a Redis that is there but cannot serve yet (loading its data,
// busy with a script, a replica during failover, out of memory, a cluster
// slot that moved, a blocked read ended because the server became a
// replica). Any other
// reply (WRONGTYPE: a key of ours holds something else; a script error) is
// a fault that retrying will not fix.
func storeError(op string, err error) error {
	if err == nil {
		return nil
	}
	var reply goredis.Error
	if !errors.As(err, &reply) || transientReply(err) {
		return fmt.Errorf("redis %s: %w: %w", op, ssehub.ErrUnavailable, err)
	}
	return fmt.Errorf("redis %s: %w", op, err)
}

// transientReply reports whether err is a Redis reply saying that it cannot
// serve the command now but may soon.
func transientReply(err error) bool {
	for _, p := range []string{"LOADING", "BUSY", "MASTERDOWN", "READONLY", "CLUSTERDOWN", "TRYAGAIN", "NOREPLICAS", "OOM", "MOVED", "ASK", "UNBLOCKED"} {
		if goredis.HasErrorPrefix(err, p) {
			return true
		}
	}
	return false
}
