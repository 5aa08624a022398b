package ssetest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Program returns the path of the first of names (a command on PATH, or a
// path) that exists. When none does, the test fails if the environment
// variable requireEnv is set, as CI sets it, and is otherwise skipped
// loudly, so that a skip is not read as a pass. install says what to
// install: "the Debian package nginx-light".
func Program(t testing.TB, requireEnv, install string, names ...string) string {
	t.Helper()
	for _, name := range names {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	what := strings.Join(names, " or ")
	if os.Getenv(requireEnv) != "" {
		t.Fatalf("no %s on PATH and %s is set: install %s", what, requireEnv, install)
	}
	t.Skipf("SKIPPED, NOT PASSED: no %s on PATH. Install %s to run this test; CI sets %s so that it cannot be skipped there.", what, install, requireEnv)
	return ""
}
