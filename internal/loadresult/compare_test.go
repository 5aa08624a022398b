package loadresult

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// writeResults writes rs as compare.sh would, <target>-<scenario>.json in dir.
func writeResults(t *testing.T, dir, target string, rs map[string]*Result) {
	t.Helper()
	for sc, r := range rs {
		if err := WriteJSON(filepath.Join(dir, target+"-"+sc+".json"), r); err != nil {
			t.Fatal(err)
		}
	}
}

// fakeRuns returns a result for every compare.sh scenario, with kib KiB
// per idle connection and rate deliveries/s in fanout.
func fakeRuns(target string, kib, rate float64) map[string]*Result {
	rs := map[string]*Result{}
	for _, sc := range compareScenarios {
		if target == TargetYardstick && sc == "targeted-batch" {
			continue
		}
		r := &Result{Setup: Setup{Target: target, Conns: 100}, Connect: Connect{Connected: 100},
			Delivery: Delivery{Expected: 1000, Received: 1000, Latency: &Latency{P50Ms: 10, P99Ms: rate / 1000, P999Ms: 60}}}
		switch sc {
		case "idle":
			r.ServerKiBPerConn = &kib
		case "fanout":
			r.DeliveriesPerSecond = rate
		case "churn":
			r.Churn = &ChurnResult{Resumed: target == TargetSSEHub, StableExpected: 500}
		}
		rs[sc] = r
	}
	return rs
}

// Where the yardstick ran, its figures are this run's; where it did not,
// the baseline's, and the heading says so, with the baseline's date and
// machine. A baseline written from a run reads back the same.
func TestCompareWithAndWithoutYardstick(t *testing.T) {
	live, fresh := t.TempDir(), t.TempDir()
	writeResults(t, live, TargetYardstick, fakeRuns(TargetYardstick, 30, 100000))
	writeResults(t, live, TargetSSEHub, fakeRuns(TargetSSEHub, 3, 500000))
	writeResults(t, fresh, TargetSSEHub, fakeRuns(TargetSSEHub, 3, 500000))
	base := filepath.Join(t.TempDir(), "baseline.json")

	var out bytes.Buffer
	if err := Compare(&out, live, base, base); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"measured in this run", "| idle (100 streams) | server RSS per connection | 30.0 KiB | 3.0 KiB | 10.0x less |", "| fanout (100 streams) | deliveries/s | 100k/s | 500k/s | 5.0x |", "| targeted-batch (100 streams) | latency p50 / p99 / p99.9 | n/a |", "(no resumption) | 0 / 0 |"} {
		if !strings.Contains(got, want) {
			t.Errorf("live comparison lacks %q:\n%s", want, got)
		}
	}
	b, err := readBaseline(base)
	if err != nil || b.Measured == "" || b.Machine == "" || len(b.Results) != len(compareScenarios)-1 {
		t.Fatalf("baseline %+v, %v", b, err)
	}

	out.Reset()
	if err := Compare(&out, fresh, base, ""); err != nil {
		t.Fatal(err)
	}
	got = out.String()
	for _, want := range []string{"NOT RUN HERE", "stored baseline " + base, "measured " + b.Measured + " on " + b.Machine, "| 30.0 KiB | 3.0 KiB | 10.0x less |"} {
		if !strings.Contains(got, want) {
			t.Errorf("comparison with the baseline lacks %q:\n%s", want, got)
		}
	}
}

// A baseline needs every scenario; a run with other stream counts is not
// compared to it.
func TestBaselineRefusesPartsAndMismatches(t *testing.T) {
	dir := t.TempDir()
	rs := fakeRuns(TargetYardstick, 30, 100000)
	delete(rs, "churn")
	writeResults(t, dir, TargetYardstick, rs)
	if err := saveBaseline(dir, filepath.Join(dir, "b.json")); err == nil || !strings.Contains(err.Error(), "churn") {
		t.Errorf("a baseline without churn: %v", err)
	}
	ss := map[string]*Result{"idle": fakeRuns(TargetSSEHub, 3, 500000)["idle"]}
	ss["idle"].Conns = 50
	var out bytes.Buffer
	writeComparison(&out, ss, nil, &Baseline{Results: fakeRuns(TargetYardstick, 30, 100000)}, "b.json")
	if got := out.String(); !strings.Contains(got, "not comparable: 100 and 50 streams") || strings.Contains(got, "fanout") {
		t.Errorf("a run of 50 idle streams compared to a baseline of 100, and the baseline's other scenarios:\n%s", got)
	}
}

// The baseline in the repository parses and holds every scenario the
// comparison needs.
func TestStoredBaseline(t *testing.T) {
	b, err := readBaseline(filepath.Join("..", "..", "scripts", "compare-baseline.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range compareScenarios {
		if r := b.Results[sc]; sc != "targeted-batch" && (r == nil || r.Target != TargetYardstick || r.Connected == 0) {
			t.Errorf("baseline %s: %+v", sc, r)
		}
	}
	if b.Measured == "" || b.Machine == "" {
		t.Errorf("baseline without date or machine: %q, %q", b.Measured, b.Machine)
	}
}
