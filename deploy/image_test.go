package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/redistest"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/sse"
)

// buildWait bounds scripts/image.sh: a cold build compiles the whole
// standard library without cgo.
const buildWait = 10 * time.Minute

// startWait bounds how long a container may take to answer /healthz.
const startWait = 30 * time.Second

// publishKey is the key the test's containers require of publishers.
const publishKey = "image-test-publish-key-0123456789"

// buildImage builds the image with scripts/image.sh under a name of its
// own, removed when t ends, and returns the versioned tag and the version
// stamped into it.
func buildImage(t *testing.T) (image, version string) {
	t.Helper()
	name, version := unique("ssehub-test-"), unique("test-")
	removeLater(t, "rmi", name+":"+version, name+":latest")
	ctx, cancel := context.WithTimeout(context.Background(), buildWait)
	defer cancel()
	cmd := exec.CommandContext(ctx, "../scripts/image.sh")
	cmd.Env = append(os.Environ(), "IMAGE="+name, "VERSION="+version)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("scripts/image.sh did not finish within %v:\n%s", buildWait, out)
	}
	if err != nil {
		t.Fatalf("scripts/image.sh: %v\n%s", err, out)
	}
	image = name + ":" + version
	if want := image + "\n" + name + ":latest\n"; !strings.HasSuffix(string(out), want) {
		t.Fatalf("scripts/image.sh printed %q, want it to end with the tags %q", out, want)
	}
	return image, version
}

// The image built by scripts/image.sh runs the stamped binary as an
// unprivileged user, has no shell, serves streams and publishes, and keeps
// its events on the volume: a new container on the same volume resumes a
// stream exactly where its client left it.
func TestImage(t *testing.T) {
	requireDocker(t)
	image, version := buildImage(t)

	t.Run("configuration", func(t *testing.T) {
		var cfg struct {
			User         string
			ExposedPorts map[string]any
			Volumes      map[string]any
			Env          []string
			Entrypoint   []string
		}
		out := mustDocker(t, time.Minute, "image", "inspect", "--format", "{{json .Config}}", image)
		if err := json.Unmarshal([]byte(out), &cfg); err != nil {
			t.Fatalf("docker image inspect: %v\n%s", err, out)
		}
		if cfg.User != "65532:65532" {
			t.Errorf("image user %q, want 65532:65532 (nonroot)", cfg.User)
		}
		if _, ok := cfg.ExposedPorts["3020/tcp"]; !ok {
			t.Errorf("exposed ports %v, want 3020/tcp", cfg.ExposedPorts)
		}
		if _, ok := cfg.Volumes["/data"]; !ok {
			t.Errorf("volumes %v, want /data", cfg.Volumes)
		}
		if !containsString(cfg.Env, "SSEHUB_STORE=bolt:/data/events.db") {
			t.Errorf("environment %v: want SSEHUB_STORE=bolt:/data/events.db", cfg.Env)
		}
	})

	t.Run("version", func(t *testing.T) {
		name := unique("ssehub-test-version-")
		removeLater(t, "rm", "--force", "--volumes", name)
		out := mustDocker(t, time.Minute, "run", "--rm", "--name", name, image, "-version")
		if !strings.HasPrefix(out, "ssehub "+version+"\n") {
			t.Errorf("ssehub -version in the image:\n%s\nwant it to start with ssehub %s", out, version)
		}
	})

	t.Run("no shell", func(t *testing.T) {
		for _, sh := range []string{"/bin/sh", "sh", "/bin/busybox"} {
			name := unique("ssehub-test-shell-")
			removeLater(t, "rm", "--force", "--volumes", name)
			out, err := docker(time.Minute, "run", "--rm", "--name", name, "--entrypoint", sh, image, "-c", "echo shell")
			if err == nil || strings.Contains(out, "shell") {
				t.Errorf("docker run --entrypoint %s: ran (%q), want no such program in the image", sh, out)
			} else if msg := err.Error(); !strings.Contains(msg, "no such file") && !strings.Contains(msg, "not found") {
				t.Errorf("docker run --entrypoint %s failed, but not for want of the program: %v", sh, err)
			}
		}
	})

	t.Run("cluster nodes", func(t *testing.T) { testClusterNodes(t, image) })

	t.Run("serves and resumes on its volume", func(t *testing.T) {
		volume := unique("ssehub-test-data-")
		removeLater(t, "volume", "rm", "-f", volume)
		mustDocker(t, time.Minute, "volume", "create", volume)
		port := freePort(t)
		c := runContainer(t, image, volume, port)

		pid := mustDocker(t, time.Minute, "inspect", "--format", "{{.State.Pid}}", c.name)
		if uid := processUID(t, pid); uid != "65532" {
			t.Errorf("the container's process runs as uid %s, want 65532", uid)
		}
		if code, body := c.post(t, "", `{"broadcast":true,"data":"no key"}`); code != http.StatusUnauthorized {
			t.Errorf("publish without the key: %d %s, want 401 (SSEHUB_PUBLISH_KEYS not applied?)", code, body)
		}

		s := ssetest.OpenRegistered(t, c.client, c.url+"/sse?id=alice", nil)
		first := c.publish(t, `{"clients":["alice"],"event":"chat","data":"hello alice"}`)
		if ev := s.Next(t); ev.ID != first || ev.Type != "chat" || ev.Data != "hello alice" {
			t.Fatalf("alice's stream got %+v, want id %s, type chat, data hello alice", ev, first)
		}
		ids := []string{first}
		for i := 1; i <= 4; i++ {
			ids = append(ids, c.publish(t, fmt.Sprintf(`{"clients":["alice"],"data":"event %d"}`, i)))
		}
		for i := 1; i <= 4; i++ {
			if ev := s.Next(t); ev.ID != ids[i] || ev.Data != fmt.Sprintf("event %d", i) {
				t.Fatalf("alice's stream got %+v, want id %s, data event %d", ev, ids[i], i)
			}
		}
		s.Close()

		// docker stop sends SIGTERM to the hub, process 1 of the container:
		// a graceful shutdown exits 0 well before docker's SIGKILL.
		start := time.Now()
		mustDocker(t, time.Minute, "stop", "--time", "20", c.name)
		if code := mustDocker(t, time.Minute, "inspect", "--format", "{{.State.ExitCode}}", c.name); code != "0" {
			t.Errorf("after docker stop the hub exited %s, want 0 (a graceful shutdown)\n%s", code, c.logs(t))
		}
		if took := time.Since(start); took > 15*time.Second {
			t.Errorf("docker stop took %v", took.Round(time.Millisecond))
		}
		mustDocker(t, time.Minute, "rm", c.name)

		// A new container on the same volume: resuming after "event 2"
		// gets exactly events 3 and 4, then what is published next.
		again := runContainer(t, image, volume, port)
		r := ssetest.Open(t, again.client, again.url+"/sse?id=alice", http.Header{"Last-Event-Id": {ids[2]}})
		next := again.publish(t, `{"clients":["alice"],"data":"after the restart"}`)
		want := []sse.Event{{ID: ids[3], Type: "message", Data: "event 3"}, {ID: ids[4], Type: "message", Data: "event 4"}, {ID: next, Type: "message", Data: "after the restart"}}
		for _, w := range want {
			if ev := r.Next(t); ev != w {
				t.Fatalf("resumed stream got %+v, want %+v (exactly the events after %s, then the new one)\n%s", ev, w, ids[2], again.logs(t))
			}
		}
		r.ExpectNone(t, 300*time.Millisecond)
		if n, _ := strconv.ParseUint(next, 10, 64); n <= mustUint(t, ids[4]) {
			t.Errorf("the new container's first id %s is not after the old one's last, %s", next, ids[4])
		}
	})
}

// As compose.yaml runs it: with SSEHUB_STORE cleared and SSEHUB_REDIS_URL
// set, containers of the image are nodes of one cluster.
func testClusterNodes(t *testing.T, image string) {
	rs := redistest.Start(t)
	env := []string{"SSEHUB_STORE=", "SSEHUB_REDIS_URL=" + rs.URL()}
	a := runContainer(t, image, "", freePort(t), env...)
	b := runContainer(t, image, "", freePort(t), env...)
	s := ssetest.OpenRegistered(t, b.client, b.url+"/sse?id=bob", nil)
	id := a.publish(t, `{"clients":["bob"],"data":"from the other node"}`)
	if ev := s.Next(t); ev.ID != id || ev.Data != "from the other node" {
		t.Fatalf("bob's stream on node b got %+v, want id %s published on node a\n%s", ev, id, b.logs(t))
	}
	if logs := a.logs(t); !strings.Contains(logs, "store=\"redis ") {
		t.Errorf("node a does not say it uses Redis as its store:\n%s", logs)
	}
}

// hubContainer is an ssehub container on the host's network.
type hubContainer struct {
	name, url string
	client    *http.Client
}

// runContainer starts image with volume on /data (if not empty: else the
// image's anonymous one), listening on 127.0.0.1:port, with the demo tick
// off, publishKey required and env added, and returns once it answers
// /healthz and /readyz. Cleanup removes it.
func runContainer(t *testing.T, image, volume string, port int, env ...string) *hubContainer {
	t.Helper()
	c := &hubContainer{
		name:   unique("ssehub-test-"),
		url:    "http://127.0.0.1:" + strconv.Itoa(port),
		client: &http.Client{Transport: &http.Transport{}},
	}
	t.Cleanup(c.client.CloseIdleConnections)
	removeLater(t, "rm", "--force", "--volumes", c.name)
	args := []string{"run", "--detach", "--name", c.name, "--network", "host"}
	env = append([]string{"SSEHUB_ADDR=127.0.0.1:" + strconv.Itoa(port), "SSEHUB_TICK=0", "SSEHUB_PUBLISH_KEYS=" + publishKey}, env...)
	for _, e := range env {
		args = append(args, "--env", e)
	}
	if volume != "" {
		args = append(args, "--volume", volume+":/data")
	}
	mustDocker(t, time.Minute, append(args, image)...)
	deadline := time.Now().Add(startWait)
	for _, path := range []string{"/healthz", "/readyz"} {
		for c.get(path) != http.StatusOK {
			if time.Now().After(deadline) {
				t.Fatalf("container %s: no 200 from %s within %v\n%s", c.name, path, startWait, c.logs(t))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return c
}

// get returns the status of GET path, 0 when there is no answer.
func (c *hubContainer) get(path string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.url+path, nil)
	resp, err := c.client.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// post sends a JSON body to /publish with key, if not empty, and returns
// the status and the body.
func (c *hubContainer) post(t *testing.T, key, body string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.url+"/publish", bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatalf("POST /publish %s: %v", body, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST /publish %s: reading the reply: %v", body, err)
	}
	return resp.StatusCode, string(b)
}

// publish publishes body with the key, requires a 200, and returns the
// event's id.
func (c *hubContainer) publish(t *testing.T, body string) string {
	t.Helper()
	code, reply := c.post(t, publishKey, body)
	var r struct{ ID string }
	if code != http.StatusOK || json.Unmarshal([]byte(reply), &r) != nil || r.ID == "" {
		t.Fatalf("POST /publish %s: %d %s, want 200 with the event's id\n%s", body, code, reply, c.logs(t))
	}
	return r.ID
}

// logs returns the container's output, for failure messages.
func (c *hubContainer) logs(t *testing.T) string {
	out, err := exec.Command("docker", "logs", "--tail", "50", c.name).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("(docker logs: %v)", err)
	}
	return "container log:\n" + string(out)
}

// processUID returns the real uid of the host's process pid.
func processUID(t *testing.T, pid string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		t.Fatalf("the container's process: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" {
			return f[1]
		}
	}
	t.Fatalf("no Uid line in /proc/%s/status", pid)
	return ""
}

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("event id %q: %v", s, err)
	}
	return n
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
