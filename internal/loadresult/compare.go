package loadresult

import (
	"fmt"
	"io"
	"strings"
)

// -compare DIR prints the table scripts/compare.sh ends with: for each of
// its scenarios, the figures of the yardstick's run and of ssehub's, and
// how they compare. The yardstick's come from DIR when compare.sh ran it,
// or else from the -baseline file (baseline.go), and the table says which.

// compareScenarios are compare.sh's scenarios, in its order.
var compareScenarios = []string{"idle", "fanout", "latency2", "latency10", "targeted", "targeted-batch", "connect", "churn"}

// compareRow is one figure of one scenario.
type compareRow struct {
	scenario, figure string
	show             func(r *Result) string
	ratio            func(y, s *Result) string // "" for none
}

var compareRows = []compareRow{
	{"idle", "server RSS per connection", showKiBPerConn, func(y, s *Result) string { return times(kibPerConn(y), kibPerConn(s), "less") }},
	{"fanout", "deliveries/s", func(r *Result) string { return fmt.Sprintf("%.0fk/s", r.DeliveriesPerSecond/1000) },
		func(y, s *Result) string { return times(s.DeliveriesPerSecond, y.DeliveriesPerSecond, "") }},
	{"fanout", "latency p50 / p99 / p99.9", showLatency, p99Ratio},
	{"fanout", "loss", showLoss, nil},
	{"latency2", "latency p50 / p99 / p99.9", showLatency, p99Ratio},
	{"latency10", "latency p50 / p99 / p99.9", showLatency, p99Ratio},
	{"targeted", "latency p50 / p99 / p99.9", showLatency, p99Ratio},
	{"targeted-batch", "latency p50 / p99 / p99.9", showLatency, nil},
	{"connect", "all streams open", func(r *Result) string { return fmt.Sprintf("%.2f s", r.ConnectSeconds) },
		func(y, s *Result) string { return times(y.ConnectSeconds, s.ConnectSeconds, "faster") }},
	{"churn", "loss", showLoss, nil},
	{"churn", "loss on the streams that never closed", showStableLoss, nil},
	{"churn", "gaps / duplicates across reconnects", showGaps, nil},
}

// Compare prints the comparison of the compare.sh results in dir to w,
// the yardstick's taken from the baseline file when dir has none; with
// save set it first writes dir's yardstick results to that file.
func Compare(w io.Writer, dir, baseline, save string) error {
	if save != "" {
		if err := saveBaseline(dir, save); err != nil {
			return err
		}
		fmt.Fprintf(w, "baseline: wrote this run's yardstick figures to %s\n", save)
	}
	ss, err := readResults(dir, TargetSSEHub)
	if err != nil {
		return err
	}
	ys, err := readResults(dir, TargetYardstick)
	if err != nil {
		return err
	}
	var base *Baseline
	if baseline != "" && len(ys) == 0 {
		if base, err = readBaseline(baseline); err != nil {
			return fmt.Errorf("-baseline: %v", err)
		}
	}
	writeComparison(w, ss, ys, base, baseline)
	return nil
}

// writeComparison prints the table: ss and ys are this run's results by
// scenario; base, when not nil, gives the yardstick's instead.
func writeComparison(w io.Writer, ss, ys map[string]*Result, base *Baseline, basePath string) {
	if base != nil {
		ys = base.Results
		fmt.Fprintf(w, "yardstick: NOT RUN HERE; its figures come from the stored baseline %s,\n", basePath)
		fmt.Fprintf(w, "           measured %s on %s (%s, load average %s).\n", base.Measured, base.Machine, base.Go, base.Load)
		fmt.Fprintf(w, "           This machine: %s, load average %s. Ratios to another day's run carry the machines' difference and noise.\n", machineName(), loadAverages())
	} else {
		fmt.Fprintf(w, "yardstick: measured in this run, on %s (load average %s).\n", machineName(), loadAverages())
	}
	fmt.Fprintf(w, "\n| scenario | figure | yardstick | ssehub | ssehub vs yardstick |\n|---|---|---|---|---|\n")
	for _, row := range compareRows {
		s, y := ss[row.scenario], ys[row.scenario]
		if s == nil && (y == nil || base != nil) {
			continue // not run this time
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", scenarioLabel(row.scenario, s, y), row.figure, cell(row, y), cell(row, s), rowRatio(row, y, s))
	}
}

// scenarioLabel is the scenario's name and its streams.
func scenarioLabel(name string, rs ...*Result) string {
	for _, r := range rs {
		if r != nil {
			return fmt.Sprintf("%s (%d streams)", name, r.Conns)
		}
	}
	return name
}

// cell is a run's figure, or why there is none.
func cell(row compareRow, r *Result) string {
	switch {
	case r == nil && row.scenario == "targeted-batch":
		return "n/a"
	case r == nil:
		return "no result"
	case r.Connected == 0:
		return "no stream opened"
	}
	v := row.show(r)
	if r.TimedOut {
		v += " (timed out)"
	}
	return v
}

// rowRatio compares the two runs' figures when both ran with as many
// streams.
func rowRatio(row compareRow, y, s *Result) string {
	switch {
	case row.ratio == nil || y == nil || s == nil || y.Connected == 0 || s.Connected == 0:
		return ""
	case y.Conns != s.Conns:
		return fmt.Sprintf("not comparable: %d and %d streams", y.Conns, s.Conns)
	}
	return row.ratio(y, s)
}

func kibPerConn(r *Result) float64 {
	if r.ServerKiBPerConn == nil {
		return 0
	}
	return *r.ServerKiBPerConn
}

func showKiBPerConn(r *Result) string {
	if r.ServerKiBPerConn == nil {
		return "not measured"
	}
	return fmt.Sprintf("%.1f KiB", *r.ServerKiBPerConn)
}

func showLatency(r *Result) string {
	if r.Latency == nil {
		return "no deliveries"
	}
	return fmt.Sprintf("%.0f / %.0f / %.0f ms", r.Latency.P50Ms, r.Latency.P99Ms, r.Latency.P999Ms)
}

func showLoss(r *Result) string {
	if r.Expected == 0 {
		return "nothing expected"
	}
	return fmt.Sprintf("%d of %d (%.2g %%)", r.Loss, r.Expected, r.LossPercent)
}

func showStableLoss(r *Result) string {
	if r.Churn == nil {
		return "-"
	}
	return fmt.Sprintf("%d of %d", r.Churn.StableLoss, r.Churn.StableExpected)
}

func showGaps(r *Result) string {
	if r.Churn == nil || !r.Churn.Resumed {
		return "(no resumption)"
	}
	return fmt.Sprintf("%d / %d", r.Churn.ChurnedMissing, r.Churn.Duplicates)
}

// p99Ratio is ssehub's p99 as a fraction of the yardstick's.
func p99Ratio(y, s *Result) string {
	if y.Latency == nil || s.Latency == nil || y.Latency.P99Ms <= 0 {
		return ""
	}
	f, format := s.Latency.P99Ms/y.Latency.P99Ms, "p99 x%.2f"
	if f < 0.1 {
		format = "p99 x%.3f"
	}
	return fmt.Sprintf(format, f)
}

// times is a/b as "N.Nx word", or "" when b is 0.
func times(a, b float64, word string) string {
	if b <= 0 || a <= 0 {
		return ""
	}
	return strings.TrimSpace(fmt.Sprintf("%.1fx %s", a/b, word))
}
