package redistest

import "testing"

func TestClusterMovesASlotToItsReplica(t *testing.T) {
	c := StartCluster(t)
	const key = "{ssehub}:probe"
	master := c.MasterOf(key)
	if _, err := Do(master, "SET", key, "v"); err != nil {
		t.Fatalf("SET on the slot's master %s: %v", master, err)
	}
	moved := c.FailoverSlotOf(key)
	if moved == master {
		t.Fatalf("FailoverSlotOf kept %s", master)
	}
	if v, err := DoString(moved, "GET", key); err != nil || v != "v" {
		t.Fatalf("GET on the new master = %q, %v", v, err)
	}
	killed := c.Kill9MasterOf(key)
	if killed == moved {
		t.Fatalf("Kill9MasterOf kept %s", moved)
	}
	if _, err := Do(killed, "SET", key, "w"); err != nil {
		t.Fatalf("SET on the master after the kill, %s: %v", killed, err)
	}
}
