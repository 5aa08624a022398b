package loadresult

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// -merge combines the JSON results of ssebench processes that ran side by
// side against one hub (idle, or fanout with -listen), each written with
// -mergeable, into the result of one run over all their streams: counts
// are summed, percentiles recomputed from the merged histograms, each
// broadcast's completion taken over every process's streams. The server's
// memory is the earliest reading before and the latest after (the
// publishing process, started last, reads it with every stream open); its
// CPU, measured by each process over its own overlapping phase, is the
// longest phase's. Each part of the Result merges itself.

// MergeFiles reads and merges the results in paths.
func MergeFiles(paths []string) (*Result, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("-merge: name the JSON results to merge")
	}
	var rs []*Result
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		r := new(Result)
		if err := json.Unmarshal(b, r); err != nil {
			return nil, fmt.Errorf("%s: %v", p, err)
		}
		if err := mergeable(r, rs); err != nil {
			return nil, fmt.Errorf("%s: %v", p, err)
		}
		rs = append(rs, r)
	}
	return Merge(rs), nil
}

// mergeable checks that r can be merged with the results before it.
func mergeable(r *Result, before []*Result) error {
	switch {
	case r.Raw == nil:
		return fmt.Errorf("no raw figures: write it with -mergeable")
	case r.Scenario != "idle" && r.Scenario != "fanout":
		return fmt.Errorf("scenario %s: only idle and fanout runs are merged", r.Scenario)
	case len(before) > 0 && (r.Scenario != before[0].Scenario || r.URL != before[0].URL):
		return fmt.Errorf("%s against %s, not %s against %s like the first", r.Scenario, r.URL, before[0].Scenario, before[0].URL)
	case len(before) > 0 && r.protocol() != before[0].protocol():
		return fmt.Errorf("streams over %s, not %s like the first", r.protocol(), before[0].protocol())
	}
	return nil
}

// Merge combines rs, at least one, each with its raw figures.
func Merge(rs []*Result) *Result {
	f := rs[0]
	m := &Result{
		Setup: Setup{
			Scenario: f.Scenario, Target: f.Target, URL: f.URL, Nodes: f.Nodes, To: f.To,
			BufSize: f.BufSize, GOMAXPROCS: f.GOMAXPROCS, Proto: f.Proto, TLS: f.TLS,
			StreamsPerConn: f.StreamsPerConn, Processes: len(rs), Listen: true,
		},
		Publish:  Publish{Batch: f.Batch},
		Delivery: Delivery{Drained: true},
	}
	for _, r := range rs {
		m.Setup.merge(&r.Setup)
		m.Connect.merge(&r.Connect)
		m.Publish.merge(&r.Publish)
		m.Delivery.merge(&r.Delivery)
		m.Server.mergeCPU(&r.Server)
		m.TimedOut = m.TimedOut || r.TimedOut
		for _, n := range r.Notes {
			if n != SideBySideNote && !slices.Contains(m.Notes, n) {
				m.Notes = append(m.Notes, n)
			}
		}
	}
	m.Server.mergeMemory(rs, m.Connected)
	m.Connect.finish()
	m.Delivery.finish(rs, m.Nodes > 1, m.Scenario == "fanout", m.Connected)
	return m
}

// merge adds o's streams; the rest of the setup is the first result's.
func (s *Setup) merge(o *Setup) {
	s.Conns += o.Conns
	s.Sources += o.Sources
	s.Clients += o.Clients
	s.Listen = s.Listen && o.Listen
}

// merge adds o's streams and the tool's memory (weighted per stream, for
// finish to divide).
func (c *Connect) merge(o *Connect) {
	n := float64(o.Connected)
	c.Connected += o.Connected
	c.H2Conns += o.H2Conns
	c.ConnectErrors = addCounts(c.ConnectErrors, o.ConnectErrors)
	c.ConnectSeconds = max(c.ConnectSeconds, o.ConnectSeconds)
	c.GoroutinesPerConn += o.GoroutinesPerConn * n
	c.ToolRSSBeforeKiB += o.ToolRSSBeforeKiB
	c.ToolRSSAfterKiB += o.ToolRSSAfterKiB
	c.ToolKiBPerConn += o.ToolKiBPerConn * n
	c.ToolStackKiBPerConn += o.ToolStackKiBPerConn * n
	c.ToolHeapKiBPerConn += o.ToolHeapKiBPerConn * n
	c.Drops += o.Drops
	c.Reopens += o.Reopens
	c.ReopensCut += o.ReopensCut
	c.ReopenErrs = addCounts(c.ReopenErrs, o.ReopenErrs)
}

// finish turns the weighted sums into figures per stream.
func (c *Connect) finish() {
	if n := float64(c.Connected); n > 0 {
		c.GoroutinesPerConn /= n
		c.ToolKiBPerConn /= n
		c.ToolStackKiBPerConn /= n
		c.ToolHeapKiBPerConn /= n
	}
	if c.ConnectSeconds > 0 {
		c.ConnsPerSecond = float64(c.Connected) / c.ConnectSeconds
	}
}

// merge adds o's publishing figures (a listener's are zero).
func (p *Publish) merge(o *Publish) {
	p.Planned = max(p.Planned, o.Planned)
	p.Published += o.Published
	p.PublishErrors += o.PublishErrors
	p.PublishErrorKinds = addCounts(p.PublishErrorKinds, o.PublishErrorKinds)
	p.Unsent += o.Unsent
	p.PublishSeconds = max(p.PublishSeconds, o.PublishSeconds)
	p.PublishRate += o.PublishRate
	p.Requests += o.Requests
	p.RequestErrors += o.RequestErrors
	p.RequestRate += o.RequestRate
	p.MaxPublishLagMs = max(p.MaxPublishLagMs, o.MaxPublishLagMs)
	p.LatePublishes += o.LatePublishes
	p.Publishers += o.Publishers
}

// merge adds o's deliveries, other events and the tool's CPU.
func (d *Delivery) merge(o *Delivery) {
	d.Expected += o.Expected
	d.Received += o.Received
	d.ServerReported += o.ServerReported
	d.Drained = d.Drained && o.Drained
	d.DeliverySeconds = max(d.DeliverySeconds, o.DeliverySeconds)
	d.OtherEvents += o.OtherEvents
	d.ResetEvents += o.ResetEvents
	d.PhaseSeconds = max(d.PhaseSeconds, o.PhaseSeconds)
	d.ToolCPUSeconds += o.ToolCPUSeconds
}

// finish computes the merged rates and, from rs's raw figures, the
// percentiles: split by node when split, and each broadcast's completion
// over streams when completion.
func (d *Delivery) finish(rs []*Result, split, completion bool, streams int) {
	d.SetLoss()
	if d.DeliverySeconds > 0 {
		d.DeliveriesPerSecond = float64(d.Received) / d.DeliverySeconds
	}
	if d.Received > 0 {
		d.ToolCPUPerEvent = d.ToolCPUSeconds * 1e6 / float64(d.Received)
	}
	var all, same, other Dist
	var events [][]EventTime
	for _, r := range rs {
		r.Raw.Latency.addTo(&all)
		r.Raw.LatencySame.addTo(&same)
		r.Raw.LatencyOther.addTo(&other)
		events = append(events, r.Raw.Events)
	}
	d.Latency = LatencyOf(&all)
	if split {
		d.LatencySameNode, d.LatencyOtherNode = LatencyOf(&same), LatencyOf(&other)
	}
	if completion {
		d.Completion = CompletionOf(MergeEvents(events...), streams)
	}
}

// mergeCPU keeps the longest phase's server CPU, the largest.
func (s *Server) mergeCPU(o *Server) {
	if o.ServerCPUSeconds != nil && (s.ServerCPUSeconds == nil || *o.ServerCPUSeconds > *s.ServerCPUSeconds) {
		v := *o.ServerCPUSeconds
		s.ServerCPUSeconds = &v
	}
}

// mergeMemory takes the server's memory from the earliest reading before
// and the latest after, per process, when every result measured it; the
// memory per stream is over all streams connected.
func (s *Server) mergeMemory(rs []*Result, connected int) {
	for _, r := range rs {
		if r.ServerKiBPerConn == nil || len(r.ServerNodes) != len(rs[0].ServerNodes) {
			return
		}
	}
	s.ServerRSSBeforeKiB, s.ServerRSSAfterKiB = rs[0].ServerRSSBeforeKiB, rs[0].ServerRSSAfterKiB
	s.ServerNodes = append([]ServerNode(nil), rs[0].ServerNodes...)
	for _, r := range rs[1:] {
		s.ServerRSSBeforeKiB = min(s.ServerRSSBeforeKiB, r.ServerRSSBeforeKiB)
		s.ServerRSSAfterKiB = max(s.ServerRSSAfterKiB, r.ServerRSSAfterKiB)
		for i, n := range r.ServerNodes {
			s.ServerNodes[i].RSSBeforeKiB = min(s.ServerNodes[i].RSSBeforeKiB, n.RSSBeforeKiB)
			s.ServerNodes[i].RSSAfterKiB = max(s.ServerNodes[i].RSSAfterKiB, n.RSSAfterKiB)
		}
	}
	for i := range s.ServerNodes {
		s.ServerNodes[i].CPUSeconds = nil // per process phases: not comparable
	}
	per := float64(s.ServerRSSAfterKiB-s.ServerRSSBeforeKiB) / float64(max(connected, 1))
	s.ServerKiBPerConn = &per
}

// addCounts adds the tallies of b to a, which it returns (allocated when nil).
func addCounts(a, b map[string]int) map[string]int {
	if len(b) == 0 {
		return a
	}
	if a == nil {
		a = map[string]int{}
	}
	for k, v := range b {
		a[k] += v
	}
	return a
}
