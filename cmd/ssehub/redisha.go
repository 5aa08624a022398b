package main

import (
	"errors"
	"net"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/ssehub/ssehub/redis"
)

// usesRedis reports whether the flags name a Redis: -redis, -redis-sentinel
// or -redis-cluster (or -redis-master, which needs -redis-sentinel: it is
// refused then, rather than ignored).
func (c *config) usesRedis() bool {
	return c.redisURL != "" || c.redisSentinel != "" || c.redisMaster != "" || c.redisCluster != ""
}

// redisFlag is the flag that names the Redis, for messages.
func (c *config) redisFlag() string {
	switch {
	case c.redisSentinel != "":
		return "-redis-sentinel"
	case c.redisCluster != "":
		return "-redis-cluster"
	}
	return "-redis"
}

// redisOptions are the flags' Redis as redis.Options.
func (c *config) redisOptions() redis.Options {
	return redis.Options{
		URL:        c.redisURL,
		Sentinels:  addrs(c.redisSentinel),
		MasterName: c.redisMaster,
		Cluster:    addrs(c.redisCluster),
	}
}

// validateRedisHA checks -redis-sentinel, -redis-master and -redis-cluster.
func (c *config) validateRedisHA() error {
	switch {
	case c.redisSentinel != "" && c.redisCluster != "":
		return errors.New("-redis-sentinel and -redis-cluster together: Sentinel watches a primary with replicas, a Redis Cluster fails over by itself; give the one your Redis is")
	case c.redisSentinel != "" && c.redisMaster == "":
		return errors.New("-redis-sentinel without -redis-master: give the name the sentinels monitor the primary under (their `sentinel monitor NAME ...`)")
	case c.redisMaster != "" && c.redisSentinel == "":
		return errors.New("-redis-master without -redis-sentinel: give the sentinels' host:port too")
	}
	for _, f := range []struct{ name, value string }{{"redis-sentinel", c.redisSentinel}, {"redis-cluster", c.redisCluster}} {
		for _, a := range addrs(f.value) {
			if host, port, err := net.SplitHostPort(a); err != nil || host == "" || port == "" {
				return c.bad(f.name, f.value, "want host:port, or several separated by commas")
			}
		}
		if f.value != "" && len(addrs(f.value)) == 0 {
			return c.bad(f.name, f.value, "want host:port, or several separated by commas")
		}
	}
	if strings.ContainsAny(c.redisMaster, " \t\n") {
		return c.bad("redis-master", c.redisMaster, "want a name without spaces")
	}
	if c.redisCluster != "" && c.redisURL != "" {
		if o, err := goredis.ParseURL(c.redisURL); err == nil && o.DB != 0 {
			return c.bad("redis", c.redisURL, "a Redis Cluster has only db 0: leave the db out, or give /0")
		}
	}
	return nil
}

// addrs splits a comma-separated list of host:port, dropping empty items.
func addrs(list string) []string {
	var out []string
	for a := range strings.SplitSeq(list, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}
