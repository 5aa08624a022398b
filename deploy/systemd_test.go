package deploy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// unitBinary is where deploy/ssehub.service expects the binary.
const unitBinary = "/usr/local/bin/ssehub"

// deploy/ssehub.service passes systemd-analyze verify without a word: no
// unknown or misspelt setting, no bad value. verify needs the binary the
// unit names, so a copy of the unit names one built for the test.
func TestSystemdUnit(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skipf("SKIPPED, NOT PASSED: no systemd-analyze on PATH (%v). Install the Debian package systemd to check deploy/ssehub.service; CI runs systemd-analyze verify itself.", err)
	}
	unit, err := os.ReadFile("ssehub.service")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(unit), "\nExecStart="+unitBinary+"\n") {
		t.Fatalf("ssehub.service: no line ExecStart=%s", unitBinary)
	}
	for _, want := range []string{"DynamicUser=yes", "StateDirectory=ssehub", "Environment=SSEHUB_STORE=bolt:/var/lib/ssehub/events.db",
		"EnvironmentFile=-/etc/ssehub/env", "NoNewPrivileges=yes", "ProtectSystem=strict", "CapabilityBoundingSet=\n", "Restart=on-failure"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("ssehub.service: no %q", want)
		}
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "ssehub")
	ctx, cancel := context.WithTimeout(context.Background(), buildWait)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "../cmd/ssehub")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	copyPath := filepath.Join(dir, "ssehub.service")
	rewritten := strings.Replace(string(unit), "ExecStart="+unitBinary, "ExecStart="+bin, 1)
	if err := os.WriteFile(copyPath, []byte(rewritten), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "systemd-analyze", "verify", copyPath).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify ssehub.service: %v\n%s", err, out)
	}
}
