package deploy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// requireDockerEnv names the environment variable that turns a missing
// Docker daemon into a test failure instead of a skip.
const requireDockerEnv = "SSEHUB_REQUIRE_DOCKER"

// requireDocker skips t, or fails it with SSEHUB_REQUIRE_DOCKER set, when
// there is no docker command or no daemon answers it.
func requireDocker(t *testing.T) {
	t.Helper()
	why := ""
	if _, err := exec.LookPath("docker"); err != nil {
		why = fmt.Sprintf("no docker command on PATH (%v)", err)
	} else if _, err := docker(20*time.Second, "info", "--format", "{{.ServerVersion}}"); err != nil {
		why = fmt.Sprintf("no Docker daemon answers (%v)", err)
	}
	if why == "" {
		return
	}
	if os.Getenv(requireDockerEnv) != "" {
		t.Fatalf("%s, and %s is set: install Docker (Debian: docker.io) and start its daemon (dockerd)", why, requireDockerEnv)
	}
	t.Skipf("SKIPPED, NOT PASSED: %s. Install Docker (Debian: docker.io) and start its daemon to run the image tests; CI sets %s so that they cannot be skipped there.", why, requireDockerEnv)
}

// docker runs the docker command with args and returns its standard
// output, trimmed. It gives up after limit; a failure's error holds the
// command's standard error.
func docker(limit time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	switch {
	case ctx.Err() != nil:
		err = fmt.Errorf("docker %s: no answer within %v: %s", strings.Join(args, " "), limit, stderr.Bytes())
	case err != nil:
		err = fmt.Errorf("docker %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return strings.TrimSpace(string(out)), err
}

// mustDocker is docker, failing t on an error.
func mustDocker(t *testing.T, limit time.Duration, args ...string) string {
	t.Helper()
	out, err := docker(limit, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// removeLater removes, when t ends, what docker rm-like args name (a
// container, an image, a volume), logging what it cannot remove.
func removeLater(t *testing.T, args ...string) {
	t.Cleanup(func() {
		if out, err := docker(time.Minute, args...); err != nil && !strings.Contains(err.Error(), "No such") {
			t.Logf("cleanup: %v %s", err, out)
		}
	})
}

// unique returns prefix and a random suffix: names of containers, images
// and volumes no other run uses.
func unique(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// freePort returns a loopback port nobody listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
