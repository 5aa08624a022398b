package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/redistest"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/redis"
)

// startRedisCluster serves n real hubs, each with its own Redis client, log
// and cluster membership on one real redis-server, and returns their URLs
// comma-separated, as -url takes them. The cleanups run in reverse: each
// hub's Shutdown, then its server, cluster, log and client.
func startRedisCluster(t *testing.T, n int) string {
	t.Helper()
	srv := redistest.Start(t)
	var urls []string
	for range n {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rdb, err := redis.Dial(ctx, srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rdb.Close() })
		logger := slog.New(slog.DiscardHandler)
		log, err := redis.NewLog(ctx, rdb, redis.LogOptions{Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { log.Close() })
		cluster := redis.NewCluster(rdb, redis.ClusterOptions{Logger: logger})
		t.Cleanup(func() { cluster.Close() })
		hub := ssehub.New(ssehub.Config{Log: log, Cluster: cluster, Logger: logger})
		hs := ssetest.Serve(t, hub, httpapi.New(hub, httpapi.Config{}))
		urls = append(urls, hs.URL)
	}
	return strings.Join(urls, ",")
}

// TestStormRedisCluster runs reconnect storms against three real hubs
// sharing one Redis: every cut stream resumes on the next node with its
// Last-Event-ID and must get every event meant for it once and in order,
// whichever node published it.
func TestStormRedisCluster(t *testing.T) {
	for _, run := range []struct {
		to      string
		clients int
		rate    float64
	}{{toBroadcast, 150, 100}, {toTargeted, 30, 500}} {
		t.Run(run.to, func(t *testing.T) {
			url := startRedisCluster(t, 3)
			res := runTest(t, Config{
				URL: url, Target: targetSSEHub, Scenario: "storm", To: run.to,
				Conns: 150, Clients: run.clients, Rate: run.rate, Duration: 3 * time.Second,
				StormEvery: time.Second, Drain: 10 * time.Second, Timeout: time.Minute,
			})
			checkStorm(t, res)
			if res.Nodes != 3 || res.LatencyOtherNode == nil {
				t.Errorf("%d nodes, other-node latency %+v", res.Nodes, res.LatencyOtherNode)
			}
		})
	}
}

// A fanout over three real nodes reaches every stream with every
// broadcast, most of them published on another node.
func TestFanoutRedisCluster(t *testing.T) {
	url := startRedisCluster(t, 3)
	res := runTest(t, Config{URL: url, Target: targetSSEHub, Scenario: "fanout", Conns: 90, Events: 30})
	if res.Received != 90*30 || res.Loss != 0 || res.PublishErrors != 0 {
		t.Fatalf("received %d of %d, %d publish errors %v", res.Received, res.Expected, res.PublishErrors, res.PublishErrorKinds)
	}
	if s, o := res.LatencySameNode, res.LatencyOtherNode; s == nil || o == nil || s.Count != 30*30 || o.Count != 30*60 {
		t.Errorf("latency same node %+v, other %+v", s, o)
	}
	if k := res.Completion; k == nil || k.Complete != 30 {
		t.Errorf("completion %+v", k)
	}
}
