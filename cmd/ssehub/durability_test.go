package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/ssetest"
)

// publishJSON publishes body and returns the event id, or "" if the hub did
// not acknowledge it.
func (p *hubProcess) publishJSON(body string) string {
	resp, err := p.client.Post(p.url+"/publish", "application/json", bytes.NewBufferString(body))
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
			<-hub.exited
			if len(acked) < 20 {
				t.Fatalf("only %d publishes acknowledged before the stop", len(acked))
			}
			t.Logf("%d publishes acknowledged before %s", len(acked), stop.name)

			again := startHub(t, "-store", store)
			s := ssetest.Open(t, again.client, again.url+"/sse?id=alice", http.Header{"Last-Event-Id": {seen}})
			got := 0
			var last uint64
			for got < len(acked) {
				ev := s.Next(t)
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
