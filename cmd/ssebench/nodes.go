package main

import (
	"fmt"
	"strings"

	"github.com/ssehub/ssehub/internal/loadconn"
)

// A cluster run: -url names one base URL per node, and the tool spreads
// its load over them so that every node serves streams and takes
// publishes, and every event crosses nodes. The placement is a pure
// function of the stream's index and the event's seq, so that several
// ssebench processes given the same -url list (and -batch) agree on it:
//
//	stream i          first connects to node i mod N
//	a reconnect       goes to the node after the last one (storm, churn,
//	                  ends by the server): each resume crosses nodes
//	publish request k goes to node k mod N; its events are seq k*batch ..
//
// With one URL every stream and publish goes to it, as before.

// parseTargets parses -url, a comma-separated list of base URLs, one per
// node. The nodes must be all http:// or all https:// (one protocol for the
// run) and all IPv4 or all ::1, since the source addresses are chosen once
// for all of them, and none may be named twice: the same-node latency
// would then count a node as another.
func parseTargets(raw string) ([]loadconn.Node, error) {
	var ts []loadconn.Node
	seen := map[string]bool{}
	for _, u := range strings.Split(raw, ",") {
		t, err := parseTarget(strings.TrimSpace(u))
		if err != nil {
			return nil, err
		}
		if len(ts) > 0 && t.TLS != ts[0].TLS {
			return nil, fmt.Errorf("-url %q: the nodes must be all http:// or all https://", raw)
		}
		if len(ts) > 0 && (t.IP.To4() == nil) != (ts[0].IP.To4() == nil) {
			return nil, fmt.Errorf("-url %q: the nodes must be all IPv4 or all IPv6 (::1)", raw)
		}
		if seen[t.Addr] {
			return nil, fmt.Errorf("-url %q: node %s named twice", raw, t.Addr)
		}
		seen[t.Addr] = true
		ts = append(ts, t)
	}
	return ts, nil
}

// nodes is how many nodes the run spreads its load over.
func (b *bench) nodes() int { return len(b.targets) }

// firstNode is the node stream idx connects to first.
func (b *bench) firstNode(idx int) int { return idx % b.nodes() }

// nextNode is the node a stream that was on node n reconnects to.
func (b *bench) nextNode(n int) int { return (n + 1) % b.nodes() }

// publishNode is the node event seq is published on: its request's index
// modulo the nodes.
func (b *bench) publishNode(seq uint64) int {
	return int(seq / uint64(max(b.cfg.Batch, 1)) % uint64(b.nodes()))
}

// addrs lists the nodes' dial addresses, for progress lines.
func (b *bench) addrs() string {
	out := make([]string, len(b.targets))
	for i, t := range b.targets {
		out[i] = t.Addr
	}
	return strings.Join(out, ", ")
}

// clientID is the client id of client number i: c<i> after -id-prefix, so
// that processes side by side with their own prefixes never share an id.
func (c *Config) clientID(i int) string { return c.IDPrefix + clientName(i) }

// nameOf is the client id of target to, or "" for a broadcast (to < 0).
func (c *Config) nameOf(to int) string {
	if to < 0 {
		return ""
	}
	return c.clientID(to)
}
