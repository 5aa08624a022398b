package main

import (
	"errors"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The real binary, as a separate process: SIGTERM makes it end its streams
// cleanly and exit 0 within -shutdown-timeout, and refuse connections after.
func TestProcessSIGTERM(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("cannot build the ssehub binary: no go command on PATH (%v)", err)
	}
	bin := filepath.Join(t.TempDir(), "ssehub")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	const timeout = 3 * time.Second
	addr := freeAddr(t)
	url := "http://" + addr
	stderr := new(lockedBuffer)
	cmd := exec.Command(bin, "-addr", addr, "-tick", "0", "-shutdown-timeout", timeout.String())
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	waitFor(t, "the process answers GET /healthz", func() bool {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("ssehub exited before serving: %v\n%s", err, stderr)
		default:
		}
		resp, err := client.Get(url + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	s := openEvStream(t, client, url+"/sse?id=alice")
	r := &running{url: url, client: client}
	p := r.publish(t, `{"clients": ["alice"], "event": "greeting", "data": "hello\nfrom a process"}`)
	if p.Connections != 1 {
		t.Errorf("publish queued for %d connections, want 1", p.Connections)
	}
	ev := s.next(t, within)
	if ev.ID != p.ID || ev.Type != "greeting" || ev.Data != "hello\nfrom a process" {
		t.Errorf("stream got %q, want event %s", ev, p.ID)
	}
	last := r.publish(t, `{"broadcast": true, "data": "just before SIGTERM"}`)

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Errorf("ssehub exited with %v after SIGTERM, want 0\n%s", err, stderr)
		} else if err != nil {
			t.Errorf("waiting for ssehub: %v", err)
		}
	case <-time.After(timeout + within):
		t.Fatalf("ssehub still running %v after SIGTERM\n%s", timeout+within, stderr)
	}
	if took := time.Since(start); took > timeout+timeSlack {
		t.Errorf("ssehub took %v to exit, more than -shutdown-timeout %v", took, timeout)
	}
	evs, err := s.rest(t, within)
	if err != io.EOF || len(evs) != 1 || evs[0].ID != last.ID {
		t.Errorf("stream ended with %s, %v; want the last event %s and a clean EOF", fmtEvents(evs), err, last.ID)
	}
	if !refused(addr) {
		t.Errorf("%s still accepts connections after ssehub exited", addr)
	}
	if log := stderr.String(); !strings.Contains(log, "shutting down") {
		t.Errorf("stderr does not say it is shutting down:\n%s", log)
	}
}
