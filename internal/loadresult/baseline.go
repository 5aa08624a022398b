package loadresult

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// scripts/compare.sh measures ssehub against the yardstick, a hub outside
// the repository (../shared/yardstick). Where the yardstick is not there,
// in a fresh clone, the comparison takes its figures from a baseline kept
// in the repository: the yardstick's results of one compare.sh run, with
// the date and the machine they were measured on, since ratios to figures
// of another day and machine carry that difference as well as the hub's.

// Baseline is the yardstick's results of one compare.sh run.
type Baseline struct {
	Measured string             `json:"measured"` // when, RFC 3339
	Machine  string             `json:"machine"`  // CPU, cores, memory, kernel (machineName)
	Go       string             `json:"go"`       // the Go release the tool and the yardstick were built with
	Load     string             `json:"load"`     // the machine's load averages (1, 5, 15 min) when the run ended: its other work
	Note     string             `json:"note"`
	Results  map[string]*Result `json:"results"` // by compare.sh scenario name
}

// baselineNote says in the file what it is and how it is made.
const baselineNote = "The yardstick's figures (../shared/yardstick) of one scripts/compare.sh run, used by compare.sh when the yardstick is not available. Refresh with SAVE_BASELINE=1 scripts/compare.sh where it is."

// saveBaseline writes the yardstick results among dir's compare.sh
// results (yardstick-<scenario>.json) to path.
func saveBaseline(dir, path string) error {
	rs, err := readResults(dir, TargetYardstick)
	if err != nil {
		return err
	}
	var missing []string
	for _, sc := range compareScenarios {
		if rs[sc] == nil && sc != "targeted-batch" {
			missing = append(missing, sc)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("-save-baseline: no yardstick results in %s for %s: a baseline holds every scenario", dir, strings.Join(missing, ", "))
	}
	b := Baseline{
		Measured: time.Now().UTC().Format(time.RFC3339),
		Machine:  machineName(),
		Go:       runtime.Version(),
		Load:     loadAverages(),
		Note:     baselineNote,
		Results:  rs,
	}
	out, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(out, '\n'), 0o644)
}

// readBaseline reads a baseline file.
func readBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b := new(Baseline)
	if err := json.Unmarshal(data, b); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return b, nil
}

// readResults reads dir's results of target, by scenario: the files
// <target>-<scenario>.json compare.sh writes.
func readResults(dir, target string) (map[string]*Result, error) {
	paths, err := filepath.Glob(filepath.Join(dir, target+"-*.json"))
	if err != nil {
		return nil, err
	}
	slices.Sort(paths)
	rs := map[string]*Result{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		r := new(Result)
		if err := json.Unmarshal(data, r); err != nil {
			return nil, fmt.Errorf("%s: %v", p, err)
		}
		rs[strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), target+"-"), ".json")] = r
	}
	return rs, nil
}

// machineName describes this machine for a baseline: CPU model, cores,
// memory and kernel, from /proc (what is unknown is left out).
func machineName() string {
	parts := []string{}
	if m := procField("/proc/cpuinfo", "model name"); m != "" {
		parts = append(parts, m)
	}
	parts = append(parts, fmt.Sprintf("%d CPUs", runtime.NumCPU()))
	if kb, err := strconv.ParseInt(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 10, 64); err == nil {
		parts = append(parts, fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20)))
	}
	if rel, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		parts = append(parts, runtime.GOOS+" "+strings.TrimSpace(string(rel)))
	}
	return strings.Join(parts, ", ")
}

// loadAverages returns the 1, 5 and 15 minute load averages, or "".
func loadAverages() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return ""
}

// procField returns the value of the first "name: value" line of a /proc
// file, or "".
func procField(path, name string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for line := range bytes.Lines(data) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if ok && string(bytes.TrimSpace(k)) == name {
			return string(bytes.TrimSpace(v))
		}
	}
	return ""
}
