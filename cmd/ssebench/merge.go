package main

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
// longest phase's.

// mergeFiles reads and merges the results in paths.
func mergeFiles(paths []string) (*Result, error) {
	if len(paths) == 0 {
		return nil, usageError{"-merge: name the JSON results to merge"}
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
	return mergeResults(rs), nil
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

// mergeResults combines rs (at least one, checked by mergeable).
func mergeResults(rs []*Result) *Result {
	f := rs[0]
	m := &Result{
		Scenario: f.Scenario, Target: f.Target, URL: f.URL, Nodes: f.Nodes, To: f.To,
		BufSize: f.BufSize, GOMAXPROCS: f.GOMAXPROCS, Batch: f.Batch,
		Proto: f.Proto, TLS: f.TLS, StreamsPerConn: f.StreamsPerConn,
		Processes: len(rs), Listen: true, Drained: true,
	}
	for _, r := range rs {
		mergeConnect(m, r)
		mergePublish(m, r)
		mergeDeliveries(m, r)
	}
	mergeServer(m, rs)
	m.finish(rs)
	return m
}

// mergeConnect adds r's streams and the tool's memory (weighted per stream).
func mergeConnect(m, r *Result) {
	n := float64(r.Connected)
	m.Conns += r.Conns
	m.Sources += r.Sources
	m.Clients += r.Clients
	m.Connected += r.Connected
	m.H2Conns += r.H2Conns
	m.ConnectErrors = addCounts(m.ConnectErrors, r.ConnectErrors)
	m.ConnectSeconds = max(m.ConnectSeconds, r.ConnectSeconds)
	m.GoroutinesPerConn += r.GoroutinesPerConn * n
	m.ToolRSSBeforeKiB += r.ToolRSSBeforeKiB
	m.ToolRSSAfterKiB += r.ToolRSSAfterKiB
	m.ToolKiBPerConn += r.ToolKiBPerConn * n
	m.ToolStackKiBPerConn += r.ToolStackKiBPerConn * n
	m.ToolHeapKiBPerConn += r.ToolHeapKiBPerConn * n
}

// mergePublish adds r's publishing figures (a listener's are zero).
func mergePublish(m, r *Result) {
	m.Listen = m.Listen && r.Listen
	m.Planned = max(m.Planned, r.Planned)
	m.Published += r.Published
	m.PublishErrors += r.PublishErrors
	m.PublishErrorKinds = addCounts(m.PublishErrorKinds, r.PublishErrorKinds)
	m.Unsent += r.Unsent
	m.PublishSeconds = max(m.PublishSeconds, r.PublishSeconds)
	m.PublishRate += r.PublishRate
	m.Requests += r.Requests
	m.RequestErrors += r.RequestErrors
	m.RequestRate += r.RequestRate
	m.MaxPublishLagMs = max(m.MaxPublishLagMs, r.MaxPublishLagMs)
	m.LatePublishes += r.LatePublishes
	m.Publishers += r.Publishers
}

// mergeDeliveries adds r's deliveries, stream events and CPU.
func mergeDeliveries(m, r *Result) {
	m.Expected += r.Expected
	m.Received += r.Received
	m.ServerReported += r.ServerReported
	m.Drained = m.Drained && r.Drained
	m.DeliverySeconds = max(m.DeliverySeconds, r.DeliverySeconds)
	m.Drops += r.Drops
	m.Reopens += r.Reopens
	m.ReopensCut += r.ReopensCut
	m.ReopenErrs = addCounts(m.ReopenErrs, r.ReopenErrs)
	m.OtherEvents += r.OtherEvents
	m.ResetEvents += r.ResetEvents
	m.PhaseSeconds = max(m.PhaseSeconds, r.PhaseSeconds)
	m.ToolCPUSeconds += r.ToolCPUSeconds
	if r.ServerCPUSeconds != nil && (m.ServerCPUSeconds == nil || *r.ServerCPUSeconds > *m.ServerCPUSeconds) {
		v := *r.ServerCPUSeconds
		m.ServerCPUSeconds = &v
	}
	m.TimedOut = m.TimedOut || r.TimedOut
	for _, n := range r.Notes {
		if n != sideBySideNote && !slices.Contains(m.Notes, n) {
			m.Notes = append(m.Notes, n)
		}
	}
}

// mergeServer takes the server's memory from the earliest reading before
// and the latest after, per process, when every result measured it.
func mergeServer(m *Result, rs []*Result) {
	for _, r := range rs {
		if r.ServerKiBPerConn == nil || len(r.ServerNodes) != len(rs[0].ServerNodes) {
			return
		}
	}
	m.ServerRSSBeforeKiB, m.ServerRSSAfterKiB = rs[0].ServerRSSBeforeKiB, rs[0].ServerRSSAfterKiB
	m.ServerNodes = append([]ServerNode(nil), rs[0].ServerNodes...)
	for _, r := range rs[1:] {
		m.ServerRSSBeforeKiB = min(m.ServerRSSBeforeKiB, r.ServerRSSBeforeKiB)
		m.ServerRSSAfterKiB = max(m.ServerRSSAfterKiB, r.ServerRSSAfterKiB)
		for i, n := range r.ServerNodes {
			m.ServerNodes[i].RSSBeforeKiB = min(m.ServerNodes[i].RSSBeforeKiB, n.RSSBeforeKiB)
			m.ServerNodes[i].RSSAfterKiB = max(m.ServerNodes[i].RSSAfterKiB, n.RSSAfterKiB)
		}
	}
	for i := range m.ServerNodes {
		m.ServerNodes[i].CPUSeconds = nil // per process phases: not comparable
	}
	per := float64(m.ServerRSSAfterKiB-m.ServerRSSBeforeKiB) / float64(max(m.Connected, 1))
	m.ServerKiBPerConn = &per
}

// finish computes the merged ratios and percentiles.
func (m *Result) finish(rs []*Result) {
	if n := float64(m.Connected); n > 0 {
		m.GoroutinesPerConn /= n
		m.ToolKiBPerConn /= n
		m.ToolStackKiBPerConn /= n
		m.ToolHeapKiBPerConn /= n
	}
	if m.ConnectSeconds > 0 {
		m.ConnsPerSecond = float64(m.Connected) / m.ConnectSeconds
	}
	m.Loss = int64(m.Expected) - int64(m.Received)
	if m.Expected > 0 {
		m.LossPercent = 100 * float64(m.Loss) / float64(m.Expected)
	}
	if m.DeliverySeconds > 0 {
		m.DeliveriesPerSecond = float64(m.Received) / m.DeliverySeconds
	}
	if m.Received > 0 {
		m.ToolCPUPerEvent = m.ToolCPUSeconds * 1e6 / float64(m.Received)
	}
	var all, same, other Dist
	var events [][]EventTime
	for _, r := range rs {
		r.Raw.Latency.addTo(&all)
		r.Raw.LatencySame.addTo(&same)
		r.Raw.LatencyOther.addTo(&other)
		events = append(events, r.Raw.Events)
	}
	m.Latency = latencyOf(&all)
	if m.Nodes > 1 {
		m.LatencySameNode, m.LatencyOtherNode = latencyOf(&same), latencyOf(&other)
	}
	if m.Scenario == "fanout" {
		m.Completion = completionOf(mergeEvents(events...), m.Connected)
	}
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
