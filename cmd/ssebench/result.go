package main

import (
	"runtime"
	"time"

	"github.com/ssehub/ssehub/internal/loadresult"

	"github.com/ssehub/ssehub/internal/procstat"
)

// The figures of a run are a loadresult.Result; these fill it in from the
// run's configuration, its publishing, its streams and its meters.

// Result is the figures of one run (package loadresult).
type Result = loadresult.Result

// newResult is the result of a run of cfg before it ran: what it runs.
func newResult(cfg Config) *Result {
	r := &Result{Setup: loadresult.Setup{
		Scenario:   cfg.Scenario,
		Target:     cfg.Target,
		URL:        cfg.URL,
		Conns:      cfg.Conns,
		Sources:    cfg.Sources,
		Clients:    cfg.Clients,
		IDPrefix:   cfg.IDPrefix,
		Listen:     cfg.Listen,
		BufSize:    cfg.BufSize,
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		To:         cfg.To,
		Proto:      cfg.Proto,
	}}
	r.Planned, r.Batch = cfg.plannedEvents(), cfg.Batch
	ts, _ := parseTargets(cfg.URL)
	if len(ts) > 1 {
		r.Nodes = len(ts)
	}
	r.TLS = len(ts) > 0 && ts[0].TLS
	if cfg.Proto == protoH2 {
		r.StreamsPerConn = cfg.H2StreamsPerConn
	}
	if cfg.SourceFirst != 1 {
		r.FirstSrc = cfg.SourceFirst
	}
	return r
}

// setPublish copies the publishing figures.
func setPublish(r *Result, st *pubStats) {
	r.Published, r.PublishErrors, r.Unsent = st.ok, st.failed, st.unsent
	r.Requests, r.RequestErrors = st.requests, st.reqFailed
	r.PublishErrorKinds = copyCounts(st.errKinds)
	if !st.first.IsZero() && st.last.After(st.first) {
		r.PublishSeconds = st.last.Sub(st.first).Seconds()
		r.PublishRate = float64(st.ok+st.failed) / r.PublishSeconds
		r.RequestRate = float64(st.requests) / r.PublishSeconds
	}
	r.MaxPublishLagMs = float64(st.maxLag) / float64(time.Millisecond)
	r.LatePublishes = st.late
	r.Publishers = st.workers
	r.Expected = st.expected.Load()
	r.ServerReported = st.reported.Load()
}

// collect adds up the streams' figures; call it after b.stop. first is the
// start of the first publish (zero when nothing was published).
func (b *bench) collect(r *Result, first time.Time) {
	var lastRecv int64
	for _, s := range b.streams {
		r.Received += s.received
		r.Drops += s.drops
		r.Reopens += s.reopens
		r.ReopensCut += s.cutByStop
		r.OtherEvents += s.other
		r.ResetEvents += s.resets
		lastRecv = max(lastRecv, s.lastRecv)
	}
	b.errMu.Lock()
	r.ReopenErrs = copyCounts(b.reopenErrs)
	b.errMu.Unlock()
	r.SetLoss()
	if !first.IsZero() && lastRecv > first.UnixNano() {
		r.DeliverySeconds = float64(lastRecv-first.UnixNano()) / 1e9
		r.DeliveriesPerSecond = float64(r.Received) / r.DeliverySeconds
	}
	r.Latency = loadresult.LatencyOf(b.lat.Snapshot())
	if b.split {
		r.LatencySameNode = loadresult.LatencyOf(b.latSame.Snapshot())
		r.LatencyOtherNode = loadresult.LatencyOf(b.latOther.Snapshot())
	}
	if b.times != nil {
		r.Completion = loadresult.CompletionOf(b.times.records(), r.Connected)
	}
	if b.cfg.Mergeable {
		r.Raw = b.rawFigures()
	}
	if b.quarters {
		r.LatencyFirst = loadresult.LatencyOf(b.latFirst.Snapshot())
		r.LatencyLast = loadresult.LatencyOf(b.latLast.Snapshot())
		if r.LatencyFirst != nil && r.LatencyLast != nil {
			f, l := r.LatencyFirst.P99Ms, r.LatencyLast.P99Ms
			grew := l > 1.5*f && l-f > 5
			r.LatencyGrew = &grew
		}
	}
}

// setCPU records the CPU used in the measured phase: the server's is the
// sum over its processes, each also in ServerNodes when there are several.
func setCPU(r *Result, m procstat.Meter) {
	self, srv, wall := m.Stop()
	r.PhaseSeconds, r.ToolCPUSeconds = wall, self
	if srv == nil {
		return
	}
	var sum float64
	for i, v := range srv {
		sum += v
		if i < len(r.ServerNodes) {
			r.ServerNodes[i].CPUSeconds = &v
		}
	}
	r.ServerCPUSeconds = &sum
}

// setServerRSS records the server's memory before and after the streams
// opened, per process in before and after: the sums, and with several
// processes each one.
func setServerRSS(r *Result, pids []int, before, after []int64) {
	var b, a int64
	for i := range pids {
		b, a = b+before[i], a+after[i]
	}
	per := float64(a-b) / float64(r.Connected)
	r.ServerRSSBeforeKiB, r.ServerRSSAfterKiB, r.ServerKiBPerConn = b, a, &per
	if len(pids) < 2 {
		return
	}
	r.ServerNodes = make([]loadresult.ServerNode, len(pids))
	for i, pid := range pids {
		r.ServerNodes[i] = loadresult.ServerNode{PID: pid, RSSBeforeKiB: before[i], RSSAfterKiB: after[i]}
	}
}

// rawFigures collects the run's RawFigures; call it after the streams
// stopped.
func (b *bench) rawFigures() *loadresult.RawFigures {
	r := &loadresult.RawFigures{Latency: loadresult.HistFiguresOf(b.lat.Snapshot())}
	if b.split {
		r.LatencySame = loadresult.HistFiguresOf(b.latSame.Snapshot())
		r.LatencyOther = loadresult.HistFiguresOf(b.latOther.Snapshot())
	}
	if b.times != nil {
		r.Events = b.times.records()
	}
	return r
}
