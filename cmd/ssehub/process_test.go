package main

import (
	"errors"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/ssetest"
)

// The real binary, as a separate process: SIGTERM makes it end its streams
// cleanly and exit 0 within -shutdown-timeout, and refuse connections after.
func TestProcessSIGTERM(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("cannot build the ssehub binary: no go command on PATH (%v)", err)
	}
	const timeout = 3 * time.Second
	hub := startHub(t, "-shutdown-timeout", timeout.String())

	s := ssetest.OpenRegistered(t, hub.client, hub.url+"/sse?id=alice", nil)
	r := &running{url: hub.url, client: hub.client}
	p := r.publish(t, `{"clients": ["alice"], "event": "greeting", "data": "hello\nfrom a process"}`)
	if p.Connections != 1 {
		t.Errorf("publish queued for %d connections, want 1", p.Connections)
	}
	ev := s.Next(t)
	if ev.ID != p.ID || ev.Type != "greeting" || ev.Data != "hello\nfrom a process" {
		t.Errorf("stream got %q, want event %s", ev, p.ID)
	}
	last := r.publish(t, `{"broadcast": true, "data": "just before SIGTERM"}`)

	start := time.Now()
	if err := hub.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-hub.exited:
		err := hub.waitErr
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Errorf("ssehub exited with %v after SIGTERM, want 0\n%s", err, hub.stderr)
		} else if err != nil {
			t.Errorf("waiting for ssehub: %v", err)
		}
	case <-time.After(timeout + ssetest.Wait):
		t.Fatalf("ssehub still running %v after SIGTERM\n%s", timeout+ssetest.Wait, hub.stderr)
	}
	if took := time.Since(start); took > timeout+timeSlack {
		t.Errorf("ssehub took %v to exit, more than -shutdown-timeout %v", took, timeout)
	}
	evs, err := s.Ended(t)
	if err != io.EOF || len(evs) != 1 || evs[0].ID != last.ID {
		t.Errorf("stream ended with %s, %v; want the last event %s and a clean EOF", fmtEvents(evs), err, last.ID)
	}
	if !refused(hub.addr) {
		t.Errorf("%s still accepts connections after ssehub exited", hub.addr)
	}
	if log := hub.stderr.String(); !strings.Contains(log, "shutting down") {
		t.Errorf("stderr does not say it is shutting down:\n%s", log)
	}
}
