package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/redistest"
)

// -redis-replicas 1 on a primary without a replica: the publish is
// answered 503 with Retry-After and the exact meaning (the event may still
// appear; retry with the same Idempotency-Key), and counted. The event is
// in the log all the same, but no stream gets it while no replica holds it
// (and the node is not ready meanwhile). Once a replica follows, streams
// get it, once, and the retry with the same key gets its receipt.
func TestRedisReplicasRefusal(t *testing.T) {
	primary := redistest.Start(t)
	if _, err := redistest.Do(primary.Addr(), "CONFIG", "SET", "repl-diskless-sync-delay", "0"); err != nil {
		t.Fatal(err)
	}
	hub := startHub(t, "-redis", primary.URL(), "-redis-replicas", "1")
	s := hub.open(t, "id=alice", "")
	body := `{"clients":["alice"],"data":"wait for a replica"}`

	start := time.Now()
	req, _ := http.NewRequest("POST", hub.url+"/publish", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "k-1")
	resp, err := hub.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var refusal struct{ Error string }
	json.NewDecoder(resp.Body).Decode(&refusal)
	resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(refusal.Error, "the event may still appear; retry with the same Idempotency-Key") {
		t.Fatalf("publish without a replica: %d, Retry-After %q, %q; want 503 with Retry-After and the meaning", resp.StatusCode, resp.Header.Get("Retry-After"), refusal.Error)
	}
	t.Logf("refused after %v: %s", took, refusal.Error)
	if took > 3*time.Second {
		t.Errorf("refused after %v, want about 2 s (redis.MaxReplicaWait): one WAIT", took)
	}
	s.ExpectNone(t, 300*time.Millisecond)
	if code, body := hub.request(t, "GET", "/readyz", ""); code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz while an event waits for a replica: %d %s, want 503", code, body)
	}

	replica := redistest.Start(t)
	host, port, _ := strings.Cut(primary.Addr(), ":")
	if _, err := redistest.Do(replica.Addr(), "REPLICAOF", host, port); err != nil {
		t.Fatal(err)
	}
	ev := s.Next(t)
	if ev.Data != "wait for a replica" {
		t.Fatalf("alice got %+v once a replica followed", ev)
	}
	var again struct {
		ID       string
		Repeated bool
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, reply := hub.request(t, "POST", "/publish", body, "Idempotency-Key", "k-1")
		if code == http.StatusOK {
			json.Unmarshal([]byte(reply), &again)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the retry once a replica follows: %d %s", code, reply)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if again.ID != ev.ID || !again.Repeated {
		t.Errorf("the retry's receipt: id %s, repeated %v; want the event alice got (%s), repeated", again.ID, again.Repeated, ev.ID)
	}
	s.ExpectNone(t, 200*time.Millisecond) // once
	if code, metrics := scrape(t, hub.client, hub.url+"/metrics", ""); code != http.StatusOK || !strings.Contains(metrics, "ssehub_redis_replica_wait_timeouts_total ") ||
		strings.Contains(metrics, "ssehub_redis_replica_wait_timeouts_total 0\n") {
		t.Errorf("GET /metrics: %d, want ssehub_redis_replica_wait_timeouts_total above 0", code)
	}
}
