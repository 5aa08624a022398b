package loadconn

import "syscall"

// ipBindAddressNoPort is Linux's IP_BIND_ADDRESS_NO_PORT (not in package
// syscall).
const ipBindAddressNoPort = 24

// bindAddressNoPort lets a socket bound to a source address choose its port
// at connect, not at bind. bind() with port 0 searches for a port no socket
// uses at all, which grows slow with tens of thousands of sockets (and
// TIME_WAIT entries) on the machine; connect() only needs the 4-tuple free.
func bindAddressNoPort(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
