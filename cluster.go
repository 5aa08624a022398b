package ssehub

import (
	"context"
	"fmt"
	"time"
)

// A Cluster makes a hub one node of several that share one Log (see package
// redis): presence (Hub.ClientPage, Hub.Streams, Hub.StreamCount), the
// per-client stream limit and kicks then span every live node. Events need
// no help from it: the shared Log delivers each one to every node.
//
// Each node serves only its own streams, and is the authority on them: the
// hub tells its cluster which client's streams changed, and the cluster asks
// the node (see Node) what they are now when it shares them, so that what
// the other nodes see is the node's current state however many changes it
// coalesced. A node that stops sharing (it died) stops being counted after a
// bound the implementation documents.
//
// Implementations must be safe for concurrent use. The Hub does not close
// its Cluster: the owner does, after Shutdown.
type Cluster interface {
	// Join makes node known to the cluster. A Hub calls it once, from New.
	Join(node Node)

	// Changed tells the cluster that client's streams on this node changed
	// (one opened or closed). The channel returned is closed once the other
	// nodes can see the change, or once the cluster gave up trying for now
	// (its store is unreachable; it shares the change when it can).
	Changed(client string) <-chan struct{}

	// Elsewhere reports how many streams client has open on the other live
	// nodes, and when it was last kicked on any node (zero when not within
	// the cluster's kick memory).
	Elsewhere(ctx context.Context, client string) (streams int, kicked time.Time, err error)

	// Streams returns client's streams on the other live nodes.
	Streams(ctx context.Context, client string) ([]StreamInfo, error)

	// ClientPage is Hub.ClientPage over the other live nodes, with each
	// client's streams summed across them.
	ClientPage(ctx context.Context, after string, limit int) (page []ClientStreams, more bool, err error)

	// Total returns how many streams the other live nodes have open, and
	// how many nodes those are.
	Total(ctx context.Context) (streams, nodes int, err error)

	// Kick records that client was kicked at `at`, for every node, and asks
	// the other live nodes to end its streams that opened before then (see
	// Node.Kicked). It returns how many streams the others had for client.
	// It records nothing when Node.KickLimit is 0, and at most that many
	// kicks, the newest.
	Kick(ctx context.Context, client string, at time.Time) (int, error)
}

// A Node is one hub as its Cluster sees it: the authority on its own streams.
type Node interface {
	// Streams returns client's streams on this node, oldest first.
	Streams(client string) []StreamInfo
	// Clients returns the ids of the clients with a stream on this node.
	Clients() []string
	// Count returns how many streams are open on this node.
	Count() int
	// Kicked ends client's streams on this node that opened before at, and
	// refuses its credentials issued before at (see Hub.Kick): another node
	// kicked it.
	Kicked(client string, at time.Time)
	// KickLimit is how many kicks the node remembers (Config.KickLimit
	// after its defaults): 0 when it remembers none (a kick then only ends
	// streams, and the cluster need not record it).
	KickLimit() int
}

// A Checker is a Log or Cluster that can tell whether it can serve now (its
// store answers, it accepts appends). Hub.Ready asks the hub's.
type Checker interface {
	// Check returns nil when ready, or why not.
	Check(ctx context.Context) error
}

// Ready reports whether the hub can serve: nil, or why not (Shutdown has
// begun, or its Log or Cluster is a Checker whose Check fails). Streams that
// are open stay open while the hub is not ready.
func (h *Hub) Ready(ctx context.Context) error {
	if h.gate.isClosing() {
		return ErrClosed
	}
	if c, ok := h.cfg.Log.(Checker); ok {
		if err := c.Check(ctx); err != nil {
			return fmt.Errorf("the event log: %w", err)
		}
	}
	if c, ok := h.cfg.Cluster.(Checker); ok {
		if err := c.Check(ctx); err != nil {
			return fmt.Errorf("the cluster: %w", err)
		}
	}
	return nil
}

// localNode is a Hub as the Node of its Cluster.
type localNode struct{ h *Hub }

func (n localNode) Streams(client string) []StreamInfo { return n.h.localStreams(client) }
func (n localNode) Clients() []string                  { return n.h.engine.Clients() }
func (n localNode) Count() int                         { return n.h.engine.Registered() }
func (n localNode) Kicked(client string, at time.Time) { n.h.kickLocal(client, at) }
func (n localNode) KickLimit() int                     { return n.h.kicks.limit }

// clusterWait bounds how long a stream's opening waits for its cluster to
// share it: an unreachable store must not keep streams from opening.
const clusterWait = time.Second

// shareOpened waits, within clusterWait, until the other nodes can see that
// client has one stream more here: a publisher told by the client that its
// stream is open can then find it from any node.
func (h *Hub) shareOpened(client string) {
	if h.cfg.Cluster == nil {
		return
	}
	t := time.NewTimer(clusterWait)
	defer t.Stop()
	select {
	case <-h.cfg.Cluster.Changed(client):
	case <-t.C:
	}
}

// shareClosed tells the cluster that one of client's streams here ended.
func (h *Hub) shareClosed(client string) {
	if h.cfg.Cluster != nil {
		h.cfg.Cluster.Changed(client)
	}
}

// admitElsewhere applies, with a Cluster, what the other nodes know of sub's
// client: a kick on another node, and its streams there under the
// per-client limit. It returns the refusal, or nil. When the other nodes
// cannot be asked the stream is admitted on this node's own checks: a store
// outage must not keep clients out.
func (h *Hub) admitElsewhere(ctx context.Context, sub Subscription) *refusal {
	limit := h.cfg.Limits.MaxStreamsPerClient
	if h.cfg.Cluster == nil || (limit <= 0 && (sub.Issued.IsZero() || !h.kicks.remembers())) {
		return nil
	}
	others, kicked, err := h.cfg.Cluster.Elsewhere(ctx, sub.Client)
	switch {
	case err != nil:
		h.cfg.Logger.Debug("ssehub: admitting a stream on this node's counts alone", "err", err)
	case h.kicks.refusesAt(sub, kicked):
		return authRefusal(errKickedCredentials)
	case limit > 0 && h.counts.ofClient(sub.Client)+others > limit:
		return clientLimitRefusal(sub.Client, limit)
	}
	return nil
}
