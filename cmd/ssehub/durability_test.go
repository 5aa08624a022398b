package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ssehub/ssehub/sse"
)

// hubProcess is the ssehub binary running as a separate process.
type hubProcess struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
}

var buildOnce struct {
	sync.Once
	path string
	err  error
}

// hubBinary builds the ssehub command once per test run.
func hubBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ssehub-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
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

// startHub runs the binary with args on a free loopback port and waits
// until it answers /healthz.
func startHub(t *testing.T, args ...string) *hubProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &hubProcess{url: "http://" + addr, logs: new(bytes.Buffer)}
	p.cmd = exec.Command(hubBinary(t), append([]string{"-addr", addr, "-tick", "0"}, args...)...)
	p.cmd.Stderr = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(p.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("hub did not start: %v\n%s", err, p.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// publishJSON publishes body and returns the event id, or "" if the hub did
// not acknowledge it.
func (p *hubProcess) publishJSON(body string) string {
	resp, err := http.Post(p.url+"/publish", "application/json", bytes.NewBufferString(body))
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var r struct{ ID string }
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&r) != nil {
		return ""
	}
	return r.ID
}

// Everything acknowledged before a kill -9 (or a clean stop) reaches a client
// that reconnects to the restarted hub with its last seen id.
func TestDurableStoreSurvivesRestart(t *testing.T) {
	for _, stop := range []struct {
		name string
		sig  syscall.Signal
	}{{"kill -9", syscall.SIGKILL}, {"SIGTERM", syscall.SIGTERM}} {
		t.Run(stop.name, func(t *testing.T) {
			store := "bolt:" + filepath.Join(t.TempDir(), "events.db")
			hub := startHub(t, "-store", store)
			seen := hub.publishJSON(`{"clients":["alice"],"data":"seen before the crash"}`)
			if seen == "" {
				t.Fatal("first publish failed")
			}

			// Publish from several goroutines until the kill; keep what was acked.
			var mu sync.Mutex
			acked := map[uint64]string{}
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					for i := 0; ; i++ {
						data := fmt.Sprintf("g%d-%d", g, i)
						target := `"clients":["alice"]`
						if i%3 == 0 {
							target = `"broadcast":true`
						}
						id := hub.publishJSON(fmt.Sprintf(`{%s,"data":%q}`, target, data))
						if id == "" {
							return // the hub is gone
						}
						seq, _ := strconv.ParseUint(id, 10, 64)
						mu.Lock()
						acked[seq] = data
						mu.Unlock()
					}
				})
			}
			time.Sleep(700 * time.Millisecond)
			hub.cmd.Process.Signal(stop.sig)
			wg.Wait()
			hub.cmd.Wait()
			if len(acked) < 20 {
				t.Fatalf("only %d publishes acknowledged before the stop", len(acked))
			}
			t.Logf("%d publishes acknowledged before %s", len(acked), stop.name)

			again := startHub(t, "-store", store)
			resp := openStream(t, again.url+"/sse?id=alice", seen)
			defer resp.Body.Close()
			r := sse.NewReader(resp.Body)
			got := 0
			var last uint64
			for got < len(acked) {
				ev := nextWithin(t, r, resp, 5*time.Second)
				seq, _ := strconv.ParseUint(ev.ID, 10, 64)
				if seq <= last {
					t.Fatalf("event %d after %d: out of order or repeated", seq, last)
				}
				last = seq
				if want, ok := acked[seq]; ok {
					if ev.Data != want {
						t.Fatalf("event %d: data %q, want %q", seq, ev.Data, want)
					}
					got++
				}
			}
			newID := again.publishJSON(`{"broadcast":true,"data":"after restart"}`)
			if n, _ := strconv.ParseUint(newID, 10, 64); n <= last {
				t.Errorf("new event id %s is not after %d", newID, last)
			}
		})
	}
}

func openStream(t *testing.T, url, lastEventID string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Last-Event-ID", lastEventID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %v %v", url, err, resp)
	}
	return resp
}

// nextWithin returns the next event, closing the stream and failing the
// test if none comes within d.
func nextWithin(t *testing.T, r *sse.Reader, resp *http.Response, d time.Duration) sse.Event {
	t.Helper()
	timer := time.AfterFunc(d, func() { resp.Body.Close() })
	defer timer.Stop()
	ev, err := r.Next()
	if err != nil {
		t.Fatalf("no event within %v: %v", d, err)
	}
	return ev
}
