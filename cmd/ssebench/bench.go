package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssehub/ssehub/internal/loadconn"
	"github.com/ssehub/ssehub/internal/loadresult"
)

// bench is the state shared by all streams of one run.
type bench struct {
	cfg     Config
	targets []loadconn.Node // the hub's nodes (nodes.go)
	ctx     context.Context // the streams' context, canceled by stop
	cancel  context.CancelFunc
	dialers []*net.Dialer
	tlsBase *tls.Config      // https: the client configuration, without a server name (tls.go); nil: http
	h2      *loadconn.H2Pool // -proto h2: the streams' transports; nil: HTTP/1.1 streams
	sem     chan struct{}    // bounds dials in flight
	resume  bool             // reopen a stream the server ended, with Last-Event-ID
	httpBuf int              // bufio.Reader under the HTTP body
	sseBuf  int              // sse.Reader buffer

	lat, latFirst, latLast loadresult.Histogram // all events; first and last quarter
	firstQ, lastQ          uint64               // seq < firstQ: first quarter; seq >= lastQ: last
	quarters               bool
	latSame, latOther      loadresult.Histogram // split: delivered by the node the event was published on, or another
	split                  bool                 // more than one node
	times                  *eventTimes          // fanout: per event, its publish and last delivery times; nil: not kept
	trackSeen              int                  // events covered by each stream's seen bitset; 0: none

	delivered atomic.Uint64
	alive     atomic.Int64   // streams opened and not given up
	aliveBy   []atomic.Int32 // alive streams per client

	streams  []*stream
	wg       sync.WaitGroup // reader goroutines
	stopping atomic.Bool
	stopOnce sync.Once
	stopErr  error

	errMu       sync.Mutex
	connectErrs map[string]int // failed first connects
	reopenErrs  map[string]int // failed reconnects
}

func newBench(ctx context.Context, cfg Config) (*bench, error) {
	ts, err := parseTargets(cfg.URL)
	if err != nil {
		return nil, err
	}
	base, err := clientTLS(&cfg, ts[0].TLS)
	if err != nil {
		return nil, err
	}
	loadconn.ConfigureTLS(ts, base)
	sctx, cancel := context.WithCancel(ctx)
	b := &bench{
		cfg:         cfg,
		targets:     ts,
		split:       len(ts) > 1,
		ctx:         sctx,
		cancel:      cancel,
		dialers:     loadconn.NewDialers(loadconn.SourceAddrs(ts[0].IP, cfg.SourceFirst, cfg.Sources)),
		tlsBase:     base,
		sem:         make(chan struct{}, cfg.DialConcurrency),
		resume:      cfg.Target == targetSSEHub,
		httpBuf:     cfg.BufSize / 2,
		sseBuf:      cfg.BufSize - cfg.BufSize/2,
		aliveBy:     make([]atomic.Int32, cfg.Clients),
		connectErrs: map[string]int{},
		reopenErrs:  map[string]int{},
	}
	if cfg.Proto == protoH2 {
		b.h2 = loadconn.NewH2Pool(cfg.Conns, cfg.H2StreamsPerConn, ts, b.dialers, base)
	}
	if n := uint64(cfg.plannedEvents()); n >= 4 && cfg.Scenario != "fanout" {
		b.quarters, b.firstQ, b.lastQ = true, n/4, n-n/4
	}
	if cfg.Scenario == "fanout" {
		b.times = newEventTimes(cfg.Events)
	}
	if cfg.checksDeliveries() {
		b.trackSeen = cfg.plannedEvents()
		sets := cfg.Conns // one per stream, and targeted one per client (checks.go)
		if cfg.To == toTargeted {
			sets += min(cfg.Clients, cfg.Conns)
		}
		if words := (b.trackSeen + 63) / 64; words*8*sets > 1<<30 {
			return nil, fmt.Errorf("%s: %d events x %d streams need more than 1 GiB of bitsets", cfg.Scenario, b.trackSeen, cfg.Conns)
		}
	}
	return b, nil
}

func clientName(i int) string { return "c" + strconv.Itoa(i) }

// openAll opens every stream with cfg.DialConcurrency dialing goroutines,
// each starting a reader goroutine per stream it opened, and waits until
// every stream has its response headers or has failed; it fills in the
// connect figures. The readers start with fresh, small stacks: the deep
// dial and header-parsing calls grow only the dialers' stacks.
func (b *bench) openAll(res *Result) {
	b.streams = make([]*stream, b.cfg.Conns)
	for i := range b.streams {
		s := &stream{idx: i, client: i % b.cfg.Clients, node: b.firstNode(i)}
		if b.trackSeen > 0 {
			s.seen = make([]uint64, (b.trackSeen+63)/64)
		}
		b.streams[i] = s
	}
	start := time.Now()
	var next atomic.Int64
	var dialers sync.WaitGroup
	for range min(b.cfg.DialConcurrency, b.cfg.Conns) {
		dialers.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(b.streams)); i = next.Add(1) - 1 {
				b.open(b.streams[i])
			}
		})
	}
	// The progress loop is bounded by the run's timeout: every dial gives up
	// when b.ctx ends.
	done := make(chan struct{})
	go func() { dialers.Wait(); close(done) }()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
wait:
	for {
		select {
		case <-done:
			break wait
		case <-tick.C:
			fmt.Fprintf(b.cfg.Log, "ssebench: %d/%d streams open\n", b.alive.Load(), b.cfg.Conns)
		}
	}
	elapsed := time.Since(start)
	res.Connected = int(b.alive.Load())
	res.ConnectSeconds = elapsed.Seconds()
	if elapsed > 0 {
		res.ConnsPerSecond = float64(res.Connected) / elapsed.Seconds()
	}
	b.errMu.Lock()
	res.ConnectErrors = copyCounts(b.connectErrs)
	b.errMu.Unlock()
	res.GoroutinesPerConn = float64(runtime.NumGoroutine()) / float64(b.cfg.Conns)
}

// stop ends every stream and waits (bounded) for their goroutines.
func (b *bench) stop() error {
	b.stopOnce.Do(func() {
		b.stopping.Store(true)
		b.cancel()
		for _, s := range b.streams {
			s.detach()
		}
		done := make(chan struct{})
		go func() { b.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			b.stopErr = fmt.Errorf("stop: stream goroutines still running after 15s")
		}
		if b.h2 != nil {
			b.h2.Close()
		}
	})
	return b.stopErr
}

// expectFor is how many deliveries a successful publish to client (-1: a
// broadcast) should make now.
func (b *bench) expectFor(client int) uint64 {
	if client < 0 {
		return uint64(max(b.alive.Load(), 0))
	}
	return uint64(max(b.aliveBy[client].Load(), 0))
}

// drain waits until want deliveries arrived, no stream is left, d passed,
// ctx ended or, when quiet is not 0, no delivery arrived for quiet; it
// reports whether all arrived.
func (b *bench) drain(ctx context.Context, want uint64, d, quiet time.Duration) bool {
	deadline := time.Now().Add(d)
	last, lastChange := b.delivered.Load(), time.Now()
	for last < want {
		now := time.Now()
		if b.alive.Load() == 0 || ctx.Err() != nil || now.After(deadline) ||
			(quiet > 0 && now.Sub(lastChange) > quiet) {
			return false
		}
		sleepCtx(ctx, 10*time.Millisecond)
		if n := b.delivered.Load(); n != last {
			last, lastChange = n, time.Now()
		}
	}
	return true
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (b *bench) countErr(m map[string]int, err error) {
	b.errMu.Lock()
	m[loadconn.ErrorKind(err)]++
	b.errMu.Unlock()
}

func copyCounts(m map[string]int) map[string]int {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
