package redistest

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// clusterWait bounds how long a Redis Cluster may take to form, or to settle
// after a failover (cluster-node-timeout is 1 s here).
const clusterWait = 30 * time.Second

// A Cluster is a Redis Cluster of three masters with one replica each, on
// loopback, all killed when the test ends.
type Cluster struct {
	t     testing.TB
	nodes []*proc
}

// StartCluster starts six redis-server --cluster-enabled yes, joins them with
// redis-cli --cluster create --cluster-replicas 1 and waits until every node
// says cluster_state:ok. It skips t (fails it, with SSEHUB_REQUIRE_REDIS
// set) when redis-server or redis-cli is missing.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	requireBinaries(t, "redis-server", "redis-cli")
	c := &Cluster{t: t}
	for range 6 {
		p := newProc(t, "redis-server")
		p.port = freeClusterPort(t)
		p.args = func() []string {
			return p.serverArgs("--cluster-enabled", "yes",
				"--cluster-config-file", "nodes.conf",
				"--cluster-node-timeout", "1000")
		}
		p.start()
		c.nodes = append(c.nodes, p)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	c.waitSettled(2)
	return c
}

// Addrs are the host:port of every node (ssehub's -redis-cluster), also the
// killed ones.
func (c *Cluster) Addrs() []string {
	var out []string
	for _, p := range c.nodes {
		out = append(out, p.Addr())
	}
	return out
}

// waitSettled waits until every running node says cluster_state:ok, they
// agree on who serves every slot, and every range has at least
// nodesPerRange nodes (its master and replicas).
func (c *Cluster) waitSettled(nodesPerRange int) {
	c.t.Helper()
	waitFor(c.t, clusterWait, "cluster_state:ok on every node", func() string {
		var first string
		for _, p := range c.nodes {
			if !p.running() {
				continue
			}
			info, err := DoString(p.Addr(), "CLUSTER", "INFO")
			if err != nil {
				return err.Error()
			}
			if st := infoField(info, "cluster_state"); st != "ok" {
				return p.Addr() + " has cluster_state:" + st
			}
			slots, err := Do(p.Addr(), "CLUSTER", "SLOTS")
			if err != nil {
				return err.Error()
			}
			ranges := masterRanges(slots)
			for _, r := range ranges {
				if len(r.nodes) < nodesPerRange {
					return fmt.Sprintf("%s: slots %d-%d served by %v", p.Addr(), r.from, r.to, r.nodes)
				}
			}
			view := fmt.Sprint(ranges)
			if first != "" && view != first {
				return "nodes disagree about the slots' masters"
			}
			first = view
		}
		return ""
	})
}

// slotRange is one entry of CLUSTER SLOTS: a range and its master, then its
// replicas.
type slotRange struct {
	from, to int64
	nodes    []string
}

// masterRanges parses CLUSTER SLOTS into ranges sorted as Redis gives them.
func masterRanges(reply any) []slotRange {
	var out []slotRange
	entries, _ := reply.([]any)
	for _, e := range entries {
		a, _ := e.([]any)
		if len(a) < 3 {
			continue
		}
		r := slotRange{from: a[0].(int64), to: a[1].(int64)}
		for _, n := range a[2:] {
			node, _ := n.([]any)
			if len(node) >= 2 {
				r.nodes = append(r.nodes, net.JoinHostPort(fmt.Sprint(node[0]), strconv.FormatInt(node[1].(int64), 10)))
			}
		}
		out = append(out, r)
	}
	return out
}

// slotOf returns the range that holds key's slot, as a running node sees it.
func (c *Cluster) slotOf(key string) slotRange {
	c.t.Helper()
	addr := c.anyRunning()
	slot, err := Do(addr, "CLUSTER", "KEYSLOT", key)
	if err != nil {
		c.t.Fatalf("redistest: CLUSTER KEYSLOT %s: %v", key, err)
	}
	slots, err := Do(addr, "CLUSTER", "SLOTS")
	if err != nil {
		c.t.Fatalf("redistest: CLUSTER SLOTS: %v", err)
	}
	for _, r := range masterRanges(slots) {
		if s := slot.(int64); r.from <= s && s <= r.to {
			return r
		}
	}
	c.t.Fatalf("redistest: no node serves the slot of %q", key)
	return slotRange{}
}

func (c *Cluster) anyRunning() string {
	for _, p := range c.nodes {
		if p.running() {
			return p.Addr()
		}
	}
	c.t.Fatal("redistest: no cluster node is running")
	return ""
}

func (c *Cluster) node(addr string) *proc {
	c.t.Helper()
	for _, p := range c.nodes {
		if p.Addr() == addr {
			return p
		}
	}
	c.t.Fatalf("redistest: no cluster node at %s", addr)
	return nil
}

// MasterOf is the host:port of the master that serves key's slot.
func (c *Cluster) MasterOf(key string) string {
	c.t.Helper()
	return c.slotOf(key).nodes[0]
}

// FailoverSlotOf makes the replica of key's master take over with CLUSTER
// FAILOVER (a clean hand-over: the replica catches up first), waits until
// every node agrees, and returns the new master.
func (c *Cluster) FailoverSlotOf(key string) string {
	c.t.Helper()
	r := c.slotOf(key)
	if len(r.nodes) < 2 {
		c.t.Fatalf("redistest: the master of %q has no replica", key)
	}
	replica := r.nodes[1]
	if _, err := Do(replica, "CLUSTER", "FAILOVER"); err != nil {
		c.t.Fatalf("redistest: CLUSTER FAILOVER on %s: %v", replica, err)
	}
	c.waitMaster(key, replica)
	return replica
}

// Kill9MasterOf kills key's master with SIGKILL, waits until its replica has
// taken over and every running node agrees, and returns the new master.
func (c *Cluster) Kill9MasterOf(key string) string {
	c.t.Helper()
	r := c.slotOf(key)
	if len(r.nodes) < 2 {
		c.t.Fatalf("redistest: the master of %q has no replica", key)
	}
	c.node(r.nodes[0]).kill9()
	c.waitMaster(key, r.nodes[1])
	return r.nodes[1]
}

// waitMaster waits until the cluster has settled with addr serving key.
func (c *Cluster) waitMaster(key, addr string) {
	c.t.Helper()
	waitFor(c.t, clusterWait, addr+" serving "+key, func() string {
		if got := c.slotOf(key).nodes[0]; got != addr {
			return "served by " + got
		}
		return ""
	})
	c.waitSettled(1)
}

// freeClusterPort returns a port that was free a moment ago, as was its
// cluster bus port (the port plus 10000).
func freeClusterPort(t testing.TB) int {
	t.Helper()
	for range 100 {
		p := freePort(t)
		if p+10000 > 65535 {
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000))
		if err == nil {
			l.Close()
			return p
		}
	}
	t.Fatal("redistest: no free port with a free cluster bus port")
	return 0
}
