package main

import (
	"strings"
	"syscall"
)

// raiseNoFile raises the soft RLIMIT_NOFILE to the hard limit and returns the
// limit now in force.
func raiseNoFile() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, err
		}
	}
	return lim.Cur, nil
}

// fdReserve is how many descriptors the tool keeps for itself beyond its
// streams: publishing connections (up to maxPacedPublishers), /proc reads,
// standard streams.
const fdReserve = 400

// filesNeeded is how many open files the run needs: its streams'
// connections, the reserve, and in a cluster the publishers' connections to
// the other nodes (each publisher keeps one to every node it sends to).
func (c *Config) filesNeeded() int {
	nodes := strings.Count(c.URL, ",") + 1
	publishers := 0
	switch {
	case c.Scenario == "idle" || c.Listen:
	case c.Scenario == "fanout":
		publishers = c.Publishers
	default:
		publishers = max(c.Publishers, maxPacedPublishers)
	}
	return c.streamConns(nodes) + fdReserve + (nodes-1)*publishers
}

// streamConns is how many connections the streams hold at most: one each
// over HTTP/1.1; over HTTP/2 one per -h2-streams-per-conn streams of a
// node (loadconn.H2Pool), and one more per node for a connection being replaced.
func (c *Config) streamConns(nodes int) int {
	if c.Proto != protoH2 {
		return c.Conns
	}
	perNode := (c.Conns + nodes - 1) / nodes
	return nodes * ((perNode+c.H2StreamsPerConn-1)/c.H2StreamsPerConn + 1)
}
