package redis

import (
	"context"
	"errors"

	goredis "github.com/redis/go-redis/v9"
)

// reloadOnNetError is a hook of a Redis Cluster client: a command that
// failed without a reply (a refused or broken connection, a timeout) makes
// the client reload the slots' map. go-redis reloads it on MOVED and
// READONLY replies, but not when the master is dead, so that without this
// it would keep sending to a dead master until its periodic reload (a
// minute), long after a replica took the slot over.
type reloadOnNetError struct{ client *goredis.ClusterClient }

func (h reloadOnNetError) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h reloadOnNetError) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		h.check(ctx, err)
		return err
	}
}

func (h reloadOnNetError) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		h.check(ctx, err)
		return err
	}
}

func (h reloadOnNetError) check(ctx context.Context, err error) {
	if err != nil && noReply(err) {
		h.client.ReloadState(ctx) // lazy: at most one reload at a time
	}
}

// noReply reports whether err says that Redis could not be reached, rather
// than a reply of Redis's (goredis.Nil is a reply) or the caller giving up.
func noReply(err error) bool {
	var reply goredis.Error
	return !errors.As(err, &reply) && !errors.Is(err, context.Canceled)
}
