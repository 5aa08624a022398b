//go:build !unix

package socket

import "syscall"

// nonblocking is the portable stand-in for the Unix non-blocking write: it
// writes nothing, so every write takes the slow path (a goroutine per busy
// stream, writing with Go's blocking Write).
type nonblocking struct{}

func (w *nonblocking) init()                                      {}
func (w *nonblocking) write(syscall.RawConn, []byte) (int, error) { return 0, nil }
