//go:build !linux

package loadconn

import "syscall"

// bindAddressNoPort is Linux-only; elsewhere the port is chosen at bind.
func bindAddressNoPort(_, _ string, _ syscall.RawConn) error { return nil }
