package redistest

import "testing"

func TestStopStartKeepsDataResetEmpties(t *testing.T) {
	s := Start(t)
	if r, err := s.command("SET k v"); err != nil || r != "+OK" {
		t.Fatalf("SET: %q, %v", r, err)
	}
	s.Stop()
	if _, err := s.command("PING"); err == nil {
		t.Fatal("PING answered after Stop")
	}
	s.Start()
	if r, err := s.command("EXISTS k"); err != nil || r != ":1" {
		t.Fatalf("after Stop and Start, EXISTS k = %q, %v; want :1", r, err)
	}
	s.Reset()
	if r, err := s.command("EXISTS k"); err != nil || r != ":0" {
		t.Fatalf("after Reset, EXISTS k = %q, %v; want :0", r, err)
	}
}
