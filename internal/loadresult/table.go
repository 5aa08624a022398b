package loadresult

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteTable prints r as a two-column table.
func WriteTable(w io.Writer, r *Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(label, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t%s\n", label, fmt.Sprintf(format, args...))
	}
	row("scenario", "%s (%s events) against %s at %s", r.Scenario, r.To, r.Target, r.URL)
	writeCluster(row, r)
	row("streams", "%d over %d source address(es)%s, %d client ids%s, %d B buffers, GOMAXPROCS %d",
		r.Conns, r.Sources, firstSource(r), r.Clients, idForm(r), r.BufSize, r.GOMAXPROCS)
	row("protocol", "%s", protocolLine(r))
	row("connect", "%d/%d open in %.2fs (%.0f conns/s)%s",
		r.Connected, r.Conns, r.ConnectSeconds, r.ConnsPerSecond, FormatTallies(" errors", r.ConnectErrors))
	if r.ServerKiBPerConn != nil {
		row("server memory", "VmRSS %s -> %s: %.1f KiB/conn",
			kib(r.ServerRSSBeforeKiB), kib(r.ServerRSSAfterKiB), *r.ServerKiBPerConn)
	} else {
		row("server memory", "not measured (no -pid)")
	}
	writeServerNodes(row, r)
	row("tool memory", "VmRSS %s -> %s: %.1f KiB/conn (stacks %.1f, heap %.1f), %.2f goroutines/conn",
		kib(r.ToolRSSBeforeKiB), kib(r.ToolRSSAfterKiB), r.ToolKiBPerConn,
		r.ToolStackKiBPerConn, r.ToolHeapKiBPerConn, r.GoroutinesPerConn)
	writePublishing(row, r)
	writeLatencies(row, r)
	writeIntegrity(row, r)
	if r.Drops > 0 || r.Reopens > 0 || r.OtherEvents > 0 || len(r.ReopenErrs) > 0 {
		row("stream events", "%d ended by server, %d reopened (%d churn reopens cut by the stop)%s, %d other events (%d reset)",
			r.Drops, r.Reopens, r.ReopensCut, FormatTallies(" reopen errors", r.ReopenErrs), r.OtherEvents, r.ResetEvents)
	}
	if r.PhaseSeconds > 0 {
		srv := "unknown"
		if r.ServerCPUSeconds != nil {
			srv = fmt.Sprintf("%.2fs (%.0f%% of a core)", *r.ServerCPUSeconds, 100**r.ServerCPUSeconds/r.PhaseSeconds)
		}
		row("cpu", "over %.2fs: tool %.2fs (%.0f%% of a core, %.2f µs/delivery), server %s",
			r.PhaseSeconds, r.ToolCPUSeconds, 100*r.ToolCPUSeconds/r.PhaseSeconds, r.ToolCPUPerEvent, srv)
	}
	if r.TimedOut {
		row("TIMED OUT", "the run hit -timeout; figures are partial")
	}
	for _, n := range r.Notes {
		row("note", "%s", n)
	}
	return tw.Flush()
}

// writeChecks prints the stream-by-stream checks of churn and storm runs.
func writeChecks(row func(label, format string, args ...any), c *StreamChecks) {
	row("stream checks", "%d streams, %s events: %d of %d expected received, %d missing",
		c.Streams, c.To, c.Received, c.Expected, c.Missing)
	row("missing", "silent %d (%d streams), announced by reset %d (%d streams); %d reset events on %d streams",
		c.SilentMissing, c.StreamsSilentMissing, c.AnnouncedLost, c.StreamsAnnouncedLost, c.ResetEvents, c.StreamsReset)
	row("order", "duplicates %d (%d streams), out of order %d (%d streams), misdelivered %d (%d streams), unknown seqs %d",
		c.Duplicates, c.StreamsDuplicates, c.OutOfOrder, c.StreamsOutOfOrder, c.Misdelivered, c.StreamsMisdelivered, c.UnknownSeqs)
	for _, p := range c.Problems {
		first := ""
		if p.FirstSilentSeq >= 0 {
			first = fmt.Sprintf(" (first seq %d)", p.FirstSilentSeq)
		}
		row("problem stream", "#%d (%s, %d reconnects): %d of %d received, silent %d%s, announced %d, duplicates %d, out of order %d, misdelivered %d, resets %d",
			p.Stream, p.Client, p.Reconnects, p.Received, p.Expected, p.SilentMissing, first,
			p.AnnouncedLost, p.Duplicates, p.OutOfOrder, p.Misdelivered, p.ResetEvents)
	}
}

// writeCluster says how a run over several nodes, or a merge of several
// processes, spread its load.
func writeCluster(row func(label, format string, args ...any), r *Result) {
	if r.Nodes > 1 {
		row("nodes", "%d: stream i first on node i mod %d, each reconnect on the next node, publish request k on node k mod %d",
			r.Nodes, r.Nodes, r.Nodes)
	}
	if r.Processes > 0 {
		row("merged", "%d processes side by side", r.Processes)
	}
}

// writeServerNodes prints each server process's memory and CPU, and the
// memory per stream counting the processes' whole VmRSS.
func writeServerNodes(row func(label, format string, args ...any), r *Result) {
	for _, n := range r.ServerNodes {
		cpu := ""
		if n.CPUSeconds != nil {
			cpu = fmt.Sprintf(", cpu %.2fs", *n.CPUSeconds)
		}
		row("server node", "pid %d: VmRSS %s -> %s%s", n.PID, kib(n.RSSBeforeKiB), kib(n.RSSAfterKiB), cpu)
	}
	if len(r.ServerNodes) > 0 && r.Connected > 0 {
		row("server total", "VmRSS %s over %d processes: %.1f KiB per stream, the processes' whole memory",
			kib(r.ServerRSSAfterKiB), len(r.ServerNodes), float64(r.ServerRSSAfterKiB)/float64(r.Connected))
	}
}

// protocol names the streams' protocol.
func (r *Result) protocol() string {
	switch {
	case r.Proto == ProtoH2 && r.TLS:
		return "HTTP/2 over TLS"
	case r.Proto == ProtoH2:
		return "HTTP/2 cleartext (h2c)"
	case r.TLS:
		return "HTTP/1.1 over TLS"
	}
	return "HTTP/1.1"
}

// protocolLine says how the streams shared connections.
func protocolLine(r *Result) string {
	if r.Proto != ProtoH2 {
		return r.protocol() + ", a connection per stream"
	}
	return fmt.Sprintf("%s, %d streams per connection, %d connections dialed", r.protocol(), r.StreamsPerConn, r.H2Conns)
}

// firstSource and idForm describe -source-first and -id-prefix when set.
func firstSource(r *Result) string {
	if r.FirstSrc == 0 {
		return ""
	}
	return fmt.Sprintf(" from 127.0.0.%d", r.FirstSrc)
}

func idForm(r *Result) string {
	if r.IDPrefix == "" {
		return ""
	}
	return fmt.Sprintf(" (%sc<i>)", r.IDPrefix)
}

func fmtLatency(l *Latency) string {
	return fmt.Sprintf("p50 %.1f ms  p99 %.1f ms  p99.9 %.1f ms  max %.1f ms  (n=%d)", l.P50Ms, l.P99Ms, l.P999Ms, l.MaxMs, l.Count)
}

func kib(v int64) string { return fmt.Sprintf("%.1f MiB", float64(v)/1024) }

// FormatTallies formats error tallies as " label (kind n, ...)", or "" when empty.
func FormatTallies(label string, m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return label + " (" + strings.Join(parts, ", ") + ")"
}

// WriteJSON writes r to the file path.
func WriteJSON(path string, r *Result) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// writePublishing prints what was published and delivered.
func writePublishing(row func(label, format string, args ...any), r *Result) {
	if r.Planned > 0 {
		if r.Listen {
			row("publish", "none: listening for %d broadcasts another process publishes", r.Planned)
		} else {
			row("publish", "%d/%d events ok, %d errors%s, %d unsent, in %.2fs (%.0f events/s), %d publishers",
				r.Published, r.Planned, r.PublishErrors, FormatTallies("", r.PublishErrorKinds), r.Unsent, r.PublishSeconds, r.PublishRate, r.Publishers)
			row("requests", "batch %d: %d requests, %d failed (%.0f requests/s)", r.Batch, r.Requests, r.RequestErrors, r.RequestRate)
		}
		if r.Scenario != "fanout" {
			row("publish lag", "max %.1f ms behind schedule, %d events > 10 ms late", r.MaxPublishLagMs, r.LatePublishes)
		}
		said := "server said"
		if r.Nodes > 1 {
			said = "the publishing nodes said, of their own streams"
		}
		row("deliveries", "%d received of %d expected (%s %d), loss %d (%.3f%%)%s",
			r.Received, r.Expected, said, r.ServerReported, r.Loss, r.LossPercent, map[bool]string{false: ", drain timed out", true: ""}[r.Drained])
		row("delivery rate", "%.0f/s over %.2fs (first publish to last delivery)", r.DeliveriesPerSecond, r.DeliverySeconds)
	}
}

// writeLatencies prints the broadcasts' completion and the latencies.
func writeLatencies(row func(label, format string, args ...any), r *Result) {
	if c := r.Completion; c != nil {
		row("completion", "p50 %.1f ms  p99 %.1f ms  max %.1f ms per broadcast, publish to last delivery (%d broadcasts, %d reached every stream)",
			c.P50Ms, c.P99Ms, c.MaxMs, c.Events, c.Complete)
	}
	if l := r.Latency; l != nil {
		row("latency", "%s", fmtLatency(l))
	}
	if l := r.LatencySameNode; l != nil {
		row("same node", "%s", fmtLatency(l))
	}
	if l := r.LatencyOtherNode; l != nil {
		row("other node", "%s", fmtLatency(l))
	}
	if r.LatencyFirst != nil && r.LatencyLast != nil && r.LatencyGrew != nil {
		verdict := "steady"
		if *r.LatencyGrew {
			verdict = "GREW (backlog)"
		}
		row("latency trend", "p99 first quarter %.1f ms, last quarter %.1f ms: %s",
			r.LatencyFirst.P99Ms, r.LatencyLast.P99Ms, verdict)
	}
}

// writeIntegrity prints what churn, storms and the stream checks found.
func writeIntegrity(row func(label, format string, args ...any), r *Result) {
	if c := r.Churn; c != nil {
		row("churn", "%d closes; %d stable streams: loss %d of %d", c.Closes, c.StableConns, c.StableLoss, c.StableExpected)
		what := "missing"
		if c.Resumed {
			what = "gaps across reconnects"
		}
		row("churned streams", "%d: %s %d of %d, duplicates %d, unknown seqs %d",
			c.ChurnedConns, what, c.ChurnedMissing, c.ChurnedExpected, c.Duplicates, c.OutOfRange)
	}
	if st := r.Storm; st != nil {
		row("storm", "%d storms every %.1fs (reconnect jitter %.1fs): %d streams cut, %d reconnects (%d cut by the stop), %d streams reconnected",
			st.Storms, st.EverySeconds, st.JitterSeconds, st.Cuts, st.Reconnects, st.ReconnectsCut, st.StreamsReconnected)
	}
	if c := r.Checks; c != nil {
		writeChecks(row, c)
	}
}
