package main

import (
	"bytes"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"
)

func TestWriteVersion(t *testing.T) {
	info := &debug.BuildInfo{
		GoVersion: "go1.26.0",
		Path:      "github.com/ssehub/ssehub/cmd/ssehub",
		Main:      debug.Module{Path: "github.com/ssehub/ssehub", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123abcd"},
			{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
			{Key: "vcs.modified", Value: "true"},
			{Key: "-trimpath", Value: "true"},
		},
	}
	var b bytes.Buffer
	writeVersion(&b, info, true)
	out := b.String()
	if !strings.HasPrefix(out, "ssehub v1.2.3\n") {
		t.Errorf("first line of %q: want ssehub v1.2.3", out)
	}
	for _, want := range []string{"module    github.com/ssehub/ssehub\n", "path      github.com/ssehub/ssehub/cmd/ssehub\n",
		"revision  0123abcd\n", "time      2026-01-02T03:04:05Z\n", "modified  true\n", "go        go1.26.0\n", "platform  "} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "trimpath") {
		t.Errorf("other build settings shown:\n%s", out)
	}
	b.Reset()
	writeVersion(&b, nil, false)
	if !strings.Contains(b.String(), "no build information") {
		t.Errorf("without build information: %q", b.String())
	}
}

// The binary's -version prints its build to stdout and exits 0, whatever
// the environment holds.
func TestVersionFlag(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("cannot build the ssehub binary: no go command on PATH (%v)", err)
	}
	cmd := exec.Command(hubBinary(t), "-version")
	cmd.Env = append(cmd.Environ(), "SSEHUB_TICK=banana")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ssehub -version: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"ssehub ", "module    github.com/ssehub/ssehub\n", "go        go1."} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %q in -version's output:\n%s", want, out)
		}
	}
	if stderr.Len() > 0 {
		t.Errorf("-version wrote to stderr: %s", stderr.String())
	}
}
