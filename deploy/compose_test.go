package deploy

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// composeCommand returns the command that runs Docker Compose: the docker
// compose plugin, or else the standalone docker-compose. It skips t, or
// fails it with SSEHUB_REQUIRE_DOCKER set, when there is neither.
func composeCommand(t *testing.T) []string {
	t.Helper()
	if _, err := docker(20*time.Second, "compose", "version"); err == nil {
		return []string{"docker", "compose"}
	}
	if path, err := exec.LookPath("docker-compose"); err == nil {
		return []string{path}
	}
	why := "neither docker compose nor docker-compose is installed"
	if os.Getenv(requireDockerEnv) != "" {
		t.Fatalf("%s, and %s is set: install the Docker Compose plugin or Debian's docker-compose", why, requireDockerEnv)
	}
	t.Skipf("SKIPPED, NOT PASSED: %s. Install the Docker Compose plugin or Debian's docker-compose to check compose.yaml; CI sets %s so that this cannot be skipped there.", why, requireDockerEnv)
	return nil
}

// compose runs Compose on the repository's compose.yaml with env added to
// the environment, and returns its combined output.
func compose(t *testing.T, command []string, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	full := append(append(append([]string{}, command[1:]...), "--file", "../compose.yaml"), args...)
	cmd := exec.CommandContext(ctx, command[0], full...)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s: no answer within a minute:\n%s", strings.Join(cmd.Args, " "), out)
	}
	if err != nil {
		err = fmt.Errorf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	return string(out), err
}

// compose.yaml is a valid Compose file, and refuses to start a cluster
// whose publishers need no key.
func TestComposeFile(t *testing.T) {
	command := composeCommand(t)
	key := []string{"SSEHUB_PUBLISH_KEYS=compose-test-publish-key-0123456789"}
	if out, err := compose(t, command, key, "config", "--quiet"); err != nil {
		t.Fatalf("compose.yaml is not valid: %v\n%s", err, out)
	}
	out, err := compose(t, command, key, "config", "--services")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	services := strings.Fields(out)
	for _, want := range []string{"ssehub-1", "ssehub-2", "ssehub-3", "redis"} {
		if !containsString(services, want) {
			t.Errorf("compose.yaml's services %v: no %s", services, want)
		}
	}
	out, err = compose(t, command, []string{"SSEHUB_PUBLISH_KEYS="}, "config", "--quiet")
	if err == nil || !strings.Contains(out, "set SSEHUB_PUBLISH_KEYS") {
		t.Errorf("compose.yaml without SSEHUB_PUBLISH_KEYS: %v %q; want a refusal that asks for the key", err, out)
	}
}
