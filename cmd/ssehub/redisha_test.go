package main

import (
	"slices"
	"testing"
)

// -redis-sentinel, -redis-master and -redis-cluster come from their
// SSEHUB_ variables too, and make redis.Options with -redis's credentials.
func TestRedisHAFlagsFromEnv(t *testing.T) {
	c, err := parse(t, map[string]string{
		"SSEHUB_REDIS_SENTINEL": "127.0.0.1:26379, [::1]:26380",
		"SSEHUB_REDIS_MASTER":   "mymaster",
		"SSEHUB_REDIS_URL":      "redis://:secret-password@/2",
	})
	if err != nil {
		t.Fatal(err)
	}
	o := c.redisOptions()
	if !slices.Equal(o.Sentinels, []string{"127.0.0.1:26379", "[::1]:26380"}) || o.MasterName != "mymaster" ||
		o.URL != "redis://:secret-password@/2" || len(o.Cluster) != 0 || !c.fromEnv["redis-sentinel"] || !c.fromEnv["redis-master"] {
		t.Errorf("options from the environment: %+v", o)
	}
	if m := o.Mode(); m != "sentinel master mymaster via 127.0.0.1:26379,[::1]:26380" {
		t.Errorf("Mode = %q", m)
	}

	c, err = parse(t, map[string]string{"SSEHUB_REDIS_CLUSTER": "127.0.0.1:7000,127.0.0.1:7001"})
	if err != nil {
		t.Fatal(err)
	}
	if o := c.redisOptions(); !slices.Equal(o.Cluster, []string{"127.0.0.1:7000", "127.0.0.1:7001"}) || !c.fromEnv["redis-cluster"] || o.Mode() != "cluster 127.0.0.1:7000,127.0.0.1:7001" {
		t.Errorf("options from the environment: %+v", o)
	}
}
