package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
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

// A version stamped at link time comes first, before the module's; the
// build information still follows it.
func TestWriteVersionStamped(t *testing.T) {
	defer func(v string) { version = v }(version)
	version = "v2.0.0-rc.1-3-gabcdef0"
	info := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/ssehub/ssehub", Version: "(devel)"}}
	var b bytes.Buffer
	writeVersion(&b, info, true)
	if out := b.String(); !strings.HasPrefix(out, "ssehub v2.0.0-rc.1-3-gabcdef0\n") || !strings.Contains(out, "module    github.com/ssehub/ssehub\n") || strings.Contains(out, "(devel)") {
		t.Errorf("with a stamped version:\n%s", out)
	}
	b.Reset()
	writeVersion(&b, nil, false)
	if out := b.String(); !strings.HasPrefix(out, "ssehub v2.0.0-rc.1-3-gabcdef0\n") || !strings.Contains(out, "go        go1.") {
		t.Errorf("with a stamped version and no build information:\n%s", out)
	}
}

// go build -ldflags "-X main.version=..." (as scripts/image.sh builds the
// image's binary) stamps what -version reports first.
func TestVersionFlagStamped(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("cannot build the ssehub binary: no go command on PATH (%v)", err)
	}
	bin := filepath.Join(t.TempDir(), "ssehub")
	const stamp = "v9.8.7-test"
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version="+stamp, "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "-version").Output()
	if err != nil {
		t.Fatalf("ssehub -version: %v", err)
	}
	if !strings.HasPrefix(string(out), "ssehub "+stamp+"\n") || !strings.Contains(string(out), "module    github.com/ssehub/ssehub\n") {
		t.Errorf("-version of a binary stamped %s:\n%s", stamp, out)
	}
}
