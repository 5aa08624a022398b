package redistest

import (
	"testing"
	"time"
)

func TestSentinelFailsOverAKilledPrimary(t *testing.T) {
	s := StartSentinel(t, 2, 3)
	old := s.Primary()
	r, err := DoAll(old, []string{"SET", "k", "v"}, []string{"WAIT", "2", "2000"})
	if err != nil || r[1] != int64(2) {
		t.Fatalf("SET and WAIT 2 = %v, %v; want both replicas to have the write", r, err)
	}
	if n := len(s.Replicas()); n != 2 {
		t.Fatalf("%d replicas, want 2", n)
	}
	s.Kill9Primary()
	start := time.Now()
	primary := s.WaitFailover(old, 30*time.Second)
	t.Logf("failover from %s to %s in %v", old, primary, time.Since(start))
	if v, err := DoString(primary, "GET", "k"); err != nil || v != "v" {
		t.Fatalf("GET k on the new primary = %q, %v; want v", v, err)
	}
	if _, err := Do(primary, "SET", "k2", "v"); err != nil {
		t.Fatalf("the new primary refuses a write: %v", err)
	}
}
