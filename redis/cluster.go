package redis

import (
	"context"
	"crypto/rand"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/ssehub/ssehub"
)

// Defaults for the zero values of ClusterOptions.
const (
	DefaultNodeTTL = 10 * time.Second
	DefaultPrefix  = "ssehub"
)

// ClusterOptions configures a Cluster.
type ClusterOptions struct {
	// Prefix starts every key and channel name; nodes of one cluster share
	// it. Empty means DefaultPrefix.
	Prefix string

	// Node names this node in Redis and in logs. Empty means a random name:
	// a node that restarts is a new node (its old record expires).
	Node string

	// NodeTTL is how long a node that stops refreshing its record (it died)
	// is still counted: its streams leave presence and the per-client limit
	// at most NodeTTL after its last refresh. Nodes refresh every NodeTTL/5.
	// Zero means DefaultNodeTTL.
	NodeTTL time.Duration

	// KickMemory is how long a kick is remembered for the not-before rule
	// (see ssehub.Config.KickMemory; give both the same value). Zero means
	// ssehub.DefaultKickMemory.
	KickMemory time.Duration

	// Logger receives the cluster's rare operational messages. Nil means
	// slog.Default().
	Logger *slog.Logger
}

// A Cluster is an ssehub.Cluster kept in Redis: each node publishes its own
// presence there (which clients have which streams open), refreshes a
// liveness record, and listens for kicks on a Pub/Sub channel. See the
// package documentation for the keys and the failure behaviour.
type Cluster struct {
	rdb    goredis.UniversalClient
	opts   ClusterOptions
	keys   presenceKeys
	logger *slog.Logger

	node ssehub.Node // set by Join, before the goroutines that use it start

	mu      sync.Mutex
	dirty   map[string]struct{} // clients whose streams here changed since the last flush
	flushed chan struct{}       // closed by the next flush
	wake    chan struct{}       // a change is waiting

	down   atomic.Bool                    // Redis could not be reached: logged once per outage
	deaf   atomic.Pointer[error]          // why the kick channel is not subscribed now, or nil (see Check)
	kicks  atomic.Pointer[goredis.PubSub] // the kick subscription now (Close closes it)
	probed atomic.Int64                   // when a kick probe last came back, in Unix ns (see kickProbe)
	ctx    context.Context
	cancel context.CancelFunc // Close: the goroutines end
	bg     sync.WaitGroup
}

// NewCluster returns a Cluster on rdb. It starts sharing once a hub joins it
// (ssehub.Config.Cluster); Close stops sharing and removes the node's record.
// The Cluster does not close rdb.
func NewCluster(rdb goredis.UniversalClient, opts ClusterOptions) *Cluster {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.Node == "" {
		opts.Node = rand.Text()[:12]
	}
	if opts.NodeTTL <= 0 {
		opts.NodeTTL = DefaultNodeTTL
	}
	if opts.KickMemory <= 0 {
		opts.KickMemory = ssehub.DefaultKickMemory
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Cluster{
		ctx:     ctx,
		cancel:  cancel,
		rdb:     rdb,
		opts:    opts,
		keys:    newPresenceKeys(opts.Prefix),
		logger:  opts.Logger.With("node", opts.Node),
		dirty:   make(map[string]struct{}),
		flushed: make(chan struct{}),
		wake:    make(chan struct{}, 1),
	}
}

// Node returns this node's name.
func (c *Cluster) Node() string { return c.opts.Node }

// Join implements ssehub.Cluster: it starts the goroutines that share the
// node's presence and receive kicks.
func (c *Cluster) Join(node ssehub.Node) {
	c.node = node
	c.probed.Store(time.Now().UnixNano())
	c.bg.Go(c.share)
	c.bg.Go(c.listenKicks)
}

// Close stops sharing and removes this node's record, so that the other
// nodes stop counting its streams at once instead of after NodeTTL.
func (c *Cluster) Close() error {
	if c.ctx.Err() != nil {
		return nil
	}
	c.cancel()
	if ps := c.kicks.Load(); ps != nil {
		ps.Close() // a pending receive does not see the context end
	}
	c.bg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), DialTimeout)
	defer cancel()
	return storeError("presence", c.keys.leave.Run(ctx, c.rdb, c.keys.route(), c.opts.Prefix, c.opts.Node).Err())
}

// Changed implements ssehub.Cluster.
func (c *Cluster) Changed(client string) <-chan struct{} {
	c.mu.Lock()
	c.dirty[client] = struct{}{}
	ch := c.flushed
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return ch
}

// Elsewhere implements ssehub.Cluster.
func (c *Cluster) Elsewhere(ctx context.Context, client string) (int, time.Time, error) {
	vals, err := c.keys.elsewhere.Run(ctx, c.rdb, c.keys.route(), c.opts.Prefix, c.opts.Node, client).Int64Slice()
	if err != nil {
		return 0, time.Time{}, storeError("presence", err)
	}
	var kicked time.Time
	if vals[1] > 0 {
		kicked = time.UnixMilli(vals[1])
	}
	return int(vals[0]), kicked, nil
}

// Total implements ssehub.Cluster.
func (c *Cluster) Total(ctx context.Context) (streams, nodes int, err error) {
	vals, err := c.keys.total.Run(ctx, c.rdb, c.keys.route(), c.opts.Prefix, c.opts.Node).Int64Slice()
	if err != nil {
		return 0, 0, storeError("presence", err)
	}
	return int(vals[0]), int(vals[1]), nil
}

// Kick implements ssehub.Cluster: the kick is recorded for the not-before
// rule of streams opening on any node (when the hub remembers kicks, and
// at most its KickLimit of them), and published to the nodes' kick
// channel.
func (c *Cluster) Kick(ctx context.Context, client string, at time.Time) (int, error) {
	n, err := c.keys.kick.Run(ctx, c.rdb, c.keys.route(), c.opts.Prefix, c.opts.Node, client, at.UnixMilli(),
		c.opts.KickMemory.Milliseconds(), c.node.KickLimit(), kickForget+1).Int()
	return n, storeError("presence", err)
}

// outage logs, once per outage, that Redis could not be reached.
func (c *Cluster) outage(err error) {
	if c.ctx.Err() == nil && !c.down.Swap(true) {
		c.logger.Warn("ssehub/redis: presence cannot be shared, Redis is unreachable; this node's streams stay open and are shared again when it answers", "err", err)
	}
}

// recovered logs the end of an outage.
func (c *Cluster) recovered() {
	if c.down.Swap(false) {
		c.logger.Info("ssehub/redis: Redis answers again; this node's presence is shared")
	}
}

// Check implements ssehub.Checker: Redis answers, and the node listens for
// kicks on the server that takes writes (after a failover it subscribes
// again, a moment after it can write: a kick published in between would be
// lost to it; see kickProbe).
func (c *Cluster) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	if err := c.rdb.Ping(ctx).Err(); err != nil {
		return storeError("presence", err)
	}
	if err := c.deaf.Load(); err != nil {
		return storeError("kick channel", *err)
	}
	if err := c.heard(); err != nil {
		return storeError("kick channel", err)
	}
	return storeError("kick channel", c.subscribedHere(ctx))
}
