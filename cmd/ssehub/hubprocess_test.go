package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/tlstest"
)

// hubProcess is the ssehub binary running as a separate process.
type hubProcess struct {
	cmd    *exec.Cmd
	addr   string // the loopback address it listens on
	url    string // "http://" + addr
	stderr *lockedBuffer
	client *http.Client // its own transport; idle connections closed at cleanup

	exited  chan struct{} // closed once the process has exited
	waitErr error         // cmd.Wait's result, set before exited is closed
}

var buildOnce struct {
	sync.Once
	dir, path string
	err       error
}

// hubBinary builds the ssehub command once per test run; TestMain removes it.
func hubBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ssehub-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.dir = dir
		buildOnce.path = filepath.Join(dir, "ssehub")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, ".").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

// removeHubBinary removes what hubBinary built, if anything.
func removeHubBinary() {
	if buildOnce.dir != "" {
		os.RemoveAll(buildOnce.dir)
	}
}

// startHub runs the binary with -addr on a free loopback port, -tick 0 and
// args, and returns once it answers GET /healthz with 200 (over TLS, with
// HTTP/2 offered, when args has -tls-cert: the files of tlstest's
// certificate). Cleanup kills it and waits for it to exit.
func startHub(t *testing.T, args ...string) *hubProcess {
	t.Helper()
	return startHubAt(t, freeAddr(t), args...)
}

// startHubAt is startHub on a given address: a restarted hub comes back
// where its clients left it.
func startHubAt(t *testing.T, addr string, args ...string) *hubProcess {
	t.Helper()
	p := &hubProcess{
		addr:   addr,
		url:    "http://" + addr,
		stderr: new(lockedBuffer),
		client: &http.Client{Transport: &http.Transport{}},
		exited: make(chan struct{}),
	}
	if slices.Contains(args, "-tls-cert") { // served with tlstest's certificate
		p.url = "https://" + addr
		p.client.Transport = &http.Transport{TLSClientConfig: tlstest.Get(t).ClientConfig(), ForceAttemptHTTP2: true}
	}
	p.cmd = exec.Command(hubBinary(t), append([]string{"-addr", addr, "-tick", "0"}, args...)...)
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
		p.client.CloseIdleConnections()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-p.exited:
			t.Fatalf("ssehub exited before serving: %v\n%s", p.waitErr, p.stderr)
		default:
		}
		resp, err := p.client.Get(p.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("ssehub did not start on %s: %v\n%s", addr, err, p.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
