package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/redistest"
)

// haWait bounds a failover seen from the processes: the sentinels' or the
// cluster's detection, then the clients finding the new primary.
// A few seconds normally; 60 s leaves room for a sentinel's TILT mode (30 s
// without failovers after a busy machine stalled it).
const haWait = 60 * time.Second

// waitStatus polls GET path on p until it answers code, within haWait, and
// returns how long that took.
func (p *hubProcess) waitStatus(t *testing.T, path string, code int) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got, body := p.request(t, "GET", path, "")
		if got == code {
			return time.Since(start)
		}
		if time.Since(start) > haWait {
			t.Fatalf("GET %s = %d %s after %v, want %d", path, got, body, haWait, code)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// publishThrough publishes body on p, retrying 503s (a failover under
// way) within haWait, and returns how long publishing was refused.
func (p *hubProcess) publishThrough(t *testing.T, body string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		code, resp := p.request(t, "POST", "/publish", body)
		if code == http.StatusOK {
			return time.Since(start)
		}
		if code != http.StatusServiceUnavailable || time.Since(start) > haWait {
			t.Fatalf("POST /publish %s: %d %s (after %v), want 200, or 503 for a while", body, code, resp, time.Since(start))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Two processes with -redis-sentinel: the start-up line names the mode,
// events cross nodes, and a kill -9 of the primary turns /readyz red, then
// green again without a restart, with publishing back and delivered.
func TestProcessOnSentinel(t *testing.T) {
	s := redistest.StartSentinel(t, 2, 3)
	args := []string{"-redis-sentinel", strings.Join(s.SentinelAddrs(), ","), "-redis-master", s.MasterName}
	a, b := startHub(t, append(args, "-node", "a")...), startHub(t, append(args, "-node", "b")...)
	if line := "redis sentinel master " + s.MasterName + " via " + strings.Join(s.SentinelAddrs(), ","); !strings.Contains(a.stderr.String(), line) {
		t.Errorf("the start-up line does not name the mode %q:\n%s", line, a.stderr)
	}
	stream := b.open(t, "id=alice", "")
	a.publishJSON(`{"clients":["alice"],"data":"before"}`)
	stream.Expect(t, "before")
	s.WaitReplicated()

	s.Kill9Primary()
	red := a.waitStatus(t, "/readyz", http.StatusServiceUnavailable)
	refused := a.publishThrough(t, `{"clients":["alice"],"data":"after"}`)
	stream.Expect(t, "after")
	green := a.waitStatus(t, "/readyz", http.StatusOK)
	b.waitStatus(t, "/readyz", http.StatusOK)
	t.Logf("after kill -9 of the primary: /readyz red in %v, publishing refused for %v, green %v later", red, refused, green)
}

// Two processes with -redis-cluster: the start-up line names the mode, and
// events and presence cross nodes through a Redis Cluster.
func TestProcessOnRedisCluster(t *testing.T) {
	rc := redistest.StartCluster(t)
	args := []string{"-redis-cluster", strings.Join(rc.Addrs()[:2], ",")}
	a, b := startHub(t, append(args, "-node", "a")...), startHub(t, append(args, "-node", "b")...)
	if line := "redis cluster " + strings.Join(rc.Addrs()[:2], ","); !strings.Contains(a.stderr.String(), line) {
		t.Errorf("the start-up line does not name the mode %q:\n%s", line, a.stderr)
	}
	stream := b.open(t, "id=alice", "")
	if a.publishJSON(`{"clients":["alice"],"data":"across"}`) == "" {
		t.Fatal("publish on A failed")
	}
	stream.Expect(t, "across")
	if code, body := a.request(t, "GET", "/clients/alice", ""); code != http.StatusOK || !strings.Contains(body, `"connections":1`) {
		t.Errorf("GET /clients/alice on A (her stream is on B): %d %s", code, body)
	}
	a.waitStatus(t, "/readyz", http.StatusOK)
}

// A -redis-master that the sentinels do not monitor is a typo to name, not
// "all sentinels specified in configuration are unreachable" (go-redis's
// words when none of them knows the name), and the mode is said once.
func TestSentinelUnknownMaster(t *testing.T) {
	s := redistest.StartSentinel(t, 0, 1)
	stderr := new(lockedBuffer)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code := run(ctx, []string{"-addr", "127.0.0.1:0", "-redis-sentinel", s.SentinelAddrs()[0], "-redis-master", "nosuch"}, envOf(nil), stderr, nil)
	out := stderr.String()
	if code != 1 {
		t.Errorf("exit code %d, want 1\n%s", code, out)
	}
	want := "no sentinel of " + s.SentinelAddrs()[0] + " monitors a primary named"
	if !strings.Contains(out, want) || !strings.Contains(out, "nosuch") || strings.Contains(out, "unreachable") {
		t.Errorf("stderr does not say %q (or says unreachable):\n%s", want, out)
	}
	if n := strings.Count(out, "via "+s.SentinelAddrs()[0]); n != 1 {
		t.Errorf("stderr names the sentinels %d times, want once:\n%s", n, out)
	}
}
