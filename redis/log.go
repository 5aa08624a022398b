package redis

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/recent"
	"github.com/ssehub/ssehub/store"
)

// deliverWait bounds how long an Append waits for the feed to deliver its
// entries. The feed normally takes a round trip; it takes longer only when
// Redis went away right after accepting the append, and then the entries
// are durable all the same (see ssehub.Log.Append on a shared log).
const deliverWait = 2 * time.Second

// readyTTL is how long the key Check writes lives.
const readyTTL = time.Minute

// LogOptions configure a Log. Every node sharing a log must use the same
// Prefix, and should use the same Retention: each node applies its own
// limits when it writes.
type LogOptions struct {
	// Prefix starts every key of the log; empty means "ssehub".
	Prefix string
	// Retention bounds the history kept in Redis.
	Retention ssehub.Retention
	// Logger receives the feed's outages and losses of continuity; nil
	// means slog.Default().
	Logger *slog.Logger
	// Replicas is how many replicas of the primary must hold an append
	// before it is acknowledged (Redis WAIT; see log_replicas.go), 0 to
	// MaxReplicas. Zero acknowledges what the primary holds: replication
	// is asynchronous, so a failover may lose it (the nodes then send
	// reset to the streams concerned).
	Replicas int
}

// A Log is an ssehub.IdempotentLog kept in a Redis stream and shared by
// every hub process (node) that opens it with the same client options and
// prefix. See the package documentation for the model.
type Log struct {
	client goredis.UniversalClient
	keys   logKeys
	ret    ssehub.Retention
	logger *slog.Logger

	maxDropped int // bounds the dropped index

	replicas        int           // LogOptions.Replicas
	replicaTimeouts atomic.Uint64 // see ReplicaWaitTimeouts

	listen atomic.Pointer[ssehub.Listener]
	origin origin          // marks the entries this Log value appends
	recent *recent.Entries // the newest entries the feed delivered (see ReadAfter)
	feed   *feed
	ha     haCounters // see FailoverStats

	appends chan *pendingAppend // to the merge goroutine (see log_merge.go)
	merged  chan struct{}       // closed when merge has returned

	closed    chan struct{}
	closeOnce sync.Once
}

var _ ssehub.IdempotentLog = (*Log)(nil)

// NewLog opens the log kept under opts.Prefix in the Redis client talks to,
// creating it if it does not exist, and starts its feed from the present
// head. The client should come from Dial: its commands are never retried,
// which an append must not be. Close the Log before the client.
func NewLog(ctx context.Context, client goredis.UniversalClient, opts LogOptions) (*Log, error) {
	return newLog(ctx, client, opts, logTuning{maxDropped: store.DefaultDroppedKeys, recent: recent.MaxEntries})
}

// logTuning holds the bounds tests lower.
type logTuning struct {
	maxDropped int // target keys the dropped index remembers
	recent     int // entries kept in memory (see recent)
}

func newLog(ctx context.Context, client goredis.UniversalClient, opts LogOptions, tune logTuning) (*Log, error) {
	if opts.Prefix == "" {
		opts.Prefix = "ssehub"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Replicas < 0 || opts.Replicas > MaxReplicas {
		return nil, fmt.Errorf("redis log: %d replicas: want 0 to %d", opts.Replicas, MaxReplicas)
	}
	l := &Log{
		replicas:   opts.Replicas,
		client:     client,
		keys:       newLogKeys(opts.Prefix),
		ret:        opts.Retention,
		logger:     opts.Logger,
		maxDropped: tune.maxDropped,
		origin:     newOrigin(),
		recent:     recent.New(min(tune.recent, store.MaxEntries(opts.Retention))),
		closed:     make(chan struct{}),
		appends:    make(chan *pendingAppend),
		merged:     make(chan struct{}),
	}
	st, err := l.state(ctx, nil)
	if err != nil {
		return nil, err
	}
	if err := l.loadForReplicas(ctx); err != nil {
		return nil, err
	}
	l.feed = startFeed(l, st)
	go l.merge()
	return l, nil
}

// Listen implements ssehub.Log. Entries the feed reads before Listen are
// delivered to no one.
func (l *Log) Listen(fn ssehub.Listener) { l.listen.Store(&fn) }

func (l *Log) listener() ssehub.Listener {
	if p := l.listen.Load(); p != nil {
		return *p
	}
	return nil
}

// Append implements ssehub.Log.
func (l *Log) Append(ctx context.Context, m *ssehub.Message, ticket ssehub.Ticket) (*ssehub.Entry, error) {
	es, _, err := l.write(ctx, "", [32]byte{}, []*ssehub.Message{m}, []ssehub.Ticket{ticket})
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

// AppendBatch implements ssehub.BatchLog: the batch is one script, so
// all or none of it is appended, with consecutive numbers.
func (l *Log) AppendBatch(ctx context.Context, msgs []*ssehub.Message, tickets []ssehub.Ticket) ([]*ssehub.Entry, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	es, _, err := l.write(ctx, "", [32]byte{}, msgs, tickets)
	return es, err
}

// AppendOnce implements ssehub.IdempotentLog. The key is kept in Redis,
// written by the script that appends, so it holds across nodes and
// concurrent calls; it lives for Retention.KeyWindow, and not across a
// Redis that restarts empty.
func (l *Log) AppendOnce(ctx context.Context, key string, digest [32]byte, msgs []*ssehub.Message, tickets []ssehub.Ticket) ([]*ssehub.Entry, []uint64, error) {
	return l.write(ctx, key, digest, msgs, tickets)
}

// write appends the non-nil msgs, with their tickets (none if tickets is
// nil), under key (none if ""), then waits for
// the feed to deliver them: at most deliverWait, and not past ctx's end or
// Close. The entries are durable by then, so they are returned either way;
// an error would tell the publisher that what was published was not.
func (l *Log) write(ctx context.Context, key string, digest [32]byte, msgs []*ssehub.Message, tickets []ssehub.Ticket) ([]*ssehub.Entry, []uint64, error) {
	select {
	case <-l.closed:
		return nil, nil, ssehub.ErrClosed
	default:
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var r appendResult
	var err error
	if key == "" {
		r, err = l.appendMerged(ctx, msgs, tickets)
	} else {
		r, err = l.runAppend(ctx, key, digest, msgs, tickets)
	}
	switch {
	case err != nil:
		return nil, nil, err
	case r.earlier != nil:
		return nil, r.earlier, nil
	}
	var es []*ssehub.Entry
	for _, m := range msgs {
		if m != nil {
			es = append(es, &ssehub.Entry{Seq: r.first + uint64(len(es)), Time: time.UnixMicro(r.micros), Message: *m})
		}
	}
	if len(es) > 0 {
		l.feed.delivered.wait(ctx, es[len(es)-1].Seq, deliverWait, l.closed)
	}
	return es, nil, nil
}

// Close implements ssehub.Log: it stops the feed and returns once its
// goroutine has. It does not close the client.
func (l *Log) Close() error {
	l.closeOnce.Do(func() {
		close(l.closed)
		<-l.merged // an append in flight is answered first
		l.feed.stop()
	})
	return nil
}

// FeedLag returns how far behind the shared log this node's feed is: the
// time since the feed last had delivered every entry appended to the log,
// as far as it can know. About zero on a healthy node, whose feed waits on
// Redis for new entries and gets them at once; under load, the time its
// deliveries (this node's fan-out) take to catch up; growing steadily while
// Redis cannot be read, or a delivery is stuck. A node behind by more than
// its streams' patience serves stale events; one whose lag keeps growing has
// lost the log.
func (l *Log) FeedLag() time.Duration { return l.feed.lag.at(time.Now()) }

// Check implements ssehub.Checker: the log is ready when its feed is
// reading and the server that holds the log takes a write (a short-lived
// key of the log's slot): a primary that became a replica answers PING but
// not that, and neither does a cluster node that lost the slot.
func (l *Log) Check(ctx context.Context) error {
	if err := l.feed.outage.Load(); err != nil {
		return storeError("log feed", *err)
	}
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	return storeError("log", l.client.Set(ctx, l.keys.ready, string(l.origin), readyTTL).Err())
}
