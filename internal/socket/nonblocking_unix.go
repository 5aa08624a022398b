//go:build unix

package socket

import "syscall"

// nonblocking writes to a socket without waiting: what the kernel's send
// buffer takes now. Go's own Write waits for room, which would hold a
// writer that serves many connections hostage to one slow peer.
type nonblocking struct {
	fn  func(fd uintptr) bool // writeFD, bound once so that write allocates nothing
	p   []byte
	n   int
	err error
}

func (w *nonblocking) init() { w.fn = w.writeFD }

// write writes what raw's socket takes of p now; n < len(p) with a nil error
// means the socket is full.
func (w *nonblocking) write(raw syscall.RawConn, p []byte) (int, error) {
	if raw == nil {
		return 0, nil // not a socket: every write takes the slow path
	}
	w.p = p
	err := raw.Write(w.fn)
	n, werr := w.n, w.err
	w.p, w.err = nil, nil
	if err != nil {
		return 0, err
	}
	return n, werr
}

// writeFD is called by RawConn.Write with the socket, which Go keeps in
// non-blocking mode. Returning true tells Go not to wait for room.
func (w *nonblocking) writeFD(fd uintptr) bool {
	for {
		n, err := syscall.Write(int(fd), w.p)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			w.n, w.err = 0, nil
		case err != nil:
			w.n, w.err = 0, err
		default:
			w.n, w.err = n, nil
		}
		return true
	}
}
