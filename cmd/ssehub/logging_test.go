package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ssehub/ssehub/internal/ssetest"
)

// -log-format json makes every line a JSON object, from start to shutdown.
func TestLogFormatJSON(t *testing.T) {
	r := startRun(t, map[string]string{"SSEHUB_TICK": "0"}, "-addr", "127.0.0.1:0", "-log-format", "json")
	if code, _ := r.stop(t, ssetest.Wait); code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr.String()), "\n")
	for _, line := range lines {
		var rec struct{ Level, Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Level == "" || rec.Msg == "" {
			t.Errorf("not a JSON log record with a level and a message: %q (%v)", line, err)
		}
	}
	if !strings.Contains(r.stderr.String(), `"msg":"ssehub listening"`) {
		t.Errorf("no listening record:\n%s", r.stderr)
	}
}

// -log-level drops the lines below it.
func TestLogLevel(t *testing.T) {
	for _, c := range []struct {
		level      string
		want, drop []string
	}{
		{"info", []string{"level=INFO", "level=WARN"}, nil},
		{"warn", []string{"level=WARN", "running open"}, []string{"level=INFO"}},
		{"error", nil, []string{"level=INFO", "level=WARN"}},
	} {
		t.Run(c.level, func(t *testing.T) {
			r := startRun(t, map[string]string{"SSEHUB_TICK": "0", "SSEHUB_LOG_LEVEL": c.level}, "-addr", "127.0.0.1:0")
			r.stop(t, ssetest.Wait)
			log := r.stderr.String()
			for _, w := range c.want {
				if !strings.Contains(log, w) {
					t.Errorf("no %q in the log:\n%s", w, log)
				}
			}
			for _, d := range c.drop {
				if strings.Contains(log, d) {
					t.Errorf("%q in the log at -log-level %s:\n%s", d, c.level, log)
				}
			}
		})
	}
}
