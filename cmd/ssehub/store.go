package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/bolt"
	"github.com/ssehub/ssehub/redis"

	goredis "github.com/redis/go-redis/v9"
)

// store is where a node keeps its events and, in a cluster, shares its
// presence.
type store struct {
	log     ssehub.Log
	cluster ssehub.Cluster // nil for a hub on its own
	close   func() error   // after the hub's Shutdown
	name    string         // for the start-up line
}

// openStore opens the store the flags name: a memory or bolt log, or with
// -redis a Redis log and cluster.
func openStore(ctx context.Context, c config, logger *slog.Logger) (*store, error) {
	ret := ssehub.Retention{MaxEntries: c.historySize, MaxBytes: int64(c.historyBytes), MaxAge: c.historyTTL}
	if c.usesRedis() {
		return openRedis(ctx, c, ret, logger)
	}
	kind, path, _ := c.storeKind()
	if kind == "bolt" {
		log, err := bolt.Open(path, ret)
		if err != nil {
			return nil, err
		}
		return &store{log: log, close: log.Close, name: c.store}, nil
	}
	log := ssehub.NewMemoryLog(ret)
	return &store{log: log, close: log.Close, name: "memory"}, nil
}

// openRedis joins the cluster of the Redis the flags name: one server
// (-redis), a primary behind Sentinel (-redis-sentinel) or a Redis Cluster
// (-redis-cluster). A node does not start without its Redis: it could not
// know where the cluster's numbering stands.
func openRedis(ctx context.Context, c config, ret ssehub.Retention, logger *slog.Logger) (*store, error) {
	goredis.SetLogger(redisClientLog{logger})
	opts := c.redisOptions()
	rdb, err := redis.Open(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", c.redisFlag(), err) // the error names the servers
	}
	log, err := redis.NewLog(ctx, rdb, redis.LogOptions{Prefix: c.redisPrefix, Retention: ret, Logger: logger, Replicas: c.redisReplicas})
	if err != nil {
		rdb.Close()
		return nil, fmt.Errorf("%s %s: %v", c.redisFlag(), opts.Mode(), err)
	}
	cluster := redis.NewCluster(rdb, redis.ClusterOptions{Prefix: c.redisPrefix, Node: c.node, KickMemory: c.kickMemory, Logger: logger})
	return &store{
		log:     log,
		cluster: cluster,
		close: func() error {
			return errors.Join(cluster.Close(), log.Close(), rdb.Close())
		},
		name: "redis " + opts.Mode() + " node " + cluster.Node(),
	}, nil
}

// redisClientLog takes the Redis client's own messages (a failed dial, each
// time) at debug level: the log and the cluster report outages themselves,
// once each.
type redisClientLog struct{ logger *slog.Logger }

func (l redisClientLog) Printf(ctx context.Context, format string, v ...any) {
	l.logger.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}
