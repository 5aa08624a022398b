//go:build linux

package socket

import (
	"log/slog"
	"sync"
	"syscall"
)

// A Watcher notices, without a goroutine per connection, when the peer of a
// Conn hangs up: one epoll instance of its own watches every watched socket
// for EPOLLRDHUP (the peer's FIN) and errors, and one goroutine (Run) waits
// on it. Go's own poller keeps the sockets too; an fd may be in several
// epoll sets. Without it a vanished peer would be noticed only by the next
// write to it.
type Watcher struct {
	log  *slog.Logger
	epfd int // -1: epoll unavailable; Watch does nothing
	pipe [2]int

	mu      sync.Mutex
	gen     uint32
	watched map[int32]*Conn // by fd
	stopped bool
}

// watchState is a Conn's registration with a Watcher, guarded by its mu.
type watchState struct {
	tok token
	h   HangUpper
}

// A token names one registration; an fd number is reused by the kernel
// once closed, so the generation tells registrations of one fd apart: an
// event that was pending for a closed socket is not taken for its
// successor's.
type token struct {
	fd  int32
	gen uint32
}

const epollET = 1 << 31 // syscall.EPOLLET, as the uint32 EpollEvent wants

// NewWatcher returns a Watcher; log receives its rare failures. Call Run on
// a goroutine of its own, and Stop to end it.
func NewWatcher(log *slog.Logger) *Watcher {
	w := &Watcher{log: log, epfd: -1, watched: make(map[int32]*Conn)}
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err == nil {
		err = syscall.Pipe2(w.pipe[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK)
		if err == nil {
			ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(w.pipe[0])}
			err = syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, w.pipe[0], &ev)
		}
		if err != nil {
			syscall.Close(epfd)
		}
	}
	if err != nil {
		log.Warn("ssehub: no epoll; vanished clients are found by heartbeats only", "err", err)
		return w
	}
	w.epfd = epfd
	return w
}

// Watch tells h when c's peer hangs up. It does nothing if c is not a
// socket, epoll is unavailable, or the Watcher has stopped: the owner's
// next failed write then finds a vanished peer.
func (w *Watcher) Watch(c *Conn, h HangUpper) {
	fd := socketFD(c.raw)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.epfd < 0 || w.stopped || fd < 0 {
		return
	}
	w.gen++
	tok := token{fd: int32(fd), gen: w.gen}
	ev := syscall.EpollEvent{
		Events: syscall.EPOLLRDHUP | syscall.EPOLLHUP | syscall.EPOLLERR | epollET,
		Fd:     tok.fd,
		Pad:    int32(tok.gen),
	}
	if err := syscall.EpollCtl(w.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return
	}
	w.watched[tok.fd] = c
	c.watch = watchState{tok: tok, h: h}
}

// Unwatch stops watching c; call it before c is closed. A report already
// under way may still arrive; none is made after that. Unwatching a Conn
// that is not watched (or was reported) does nothing.
func (w *Watcher) Unwatch(c *Conn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.watched[c.watch.tok.fd] == c {
		w.endLocked(c)
	}
}

// endLocked ends c's registration.
func (w *Watcher) endLocked(c *Conn) {
	delete(w.watched, c.watch.tok.fd)
	if !w.stopped {
		syscall.EpollCtl(w.epfd, syscall.EPOLL_CTL_DEL, int(c.watch.tok.fd), nil)
	}
	c.watch.h = nil
}

// Run reports hang-ups until Stop.
func (w *Watcher) Run() {
	if w.epfd < 0 {
		return
	}
	events := make([]syscall.EpollEvent, 256)
	var gone []HangUpper
	for {
		n, err := syscall.EpollWait(w.epfd, events, -1)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			w.log.Error("ssehub: epoll wait failed; vanished clients are found by heartbeats only", "err", err)
			return
		}
		w.mu.Lock()
		for _, ev := range events[:n] {
			if ev.Fd == int32(w.pipe[0]) {
				w.shutdownLocked()
				w.mu.Unlock()
				return
			}
			if h := w.reportLocked(token{fd: ev.Fd, gen: uint32(ev.Pad)}); h != nil {
				gone = append(gone, h)
			}
		}
		w.mu.Unlock()
		for _, h := range gone {
			h.HangUp() // calls Unwatch, which finds nothing left to do
		}
		clear(gone)
		gone = gone[:0]
	}
}

// reportLocked ends the registration an event names and returns whom to
// tell, or nil if the registration has ended already (an fd's earlier one,
// or one already reported).
func (w *Watcher) reportLocked(tok token) HangUpper {
	c := w.watched[tok.fd]
	if c == nil || c.watch.tok.gen != tok.gen {
		return nil
	}
	h := c.watch.h
	w.endLocked(c)
	return h
}

// Stop ends Run and releases the epoll instance. Call it once.
func (w *Watcher) Stop() {
	if w.epfd >= 0 {
		syscall.Write(w.pipe[1], []byte{0})
	}
}

func (w *Watcher) shutdownLocked() {
	w.stopped = true
	syscall.Close(w.epfd)
	syscall.Close(w.pipe[0])
	syscall.Close(w.pipe[1])
	clear(w.watched)
}

// socketFD returns raw's file descriptor, or -1.
func socketFD(raw syscall.RawConn) int {
	fd := -1
	if raw != nil {
		raw.Control(func(f uintptr) { fd = int(f) })
	}
	return fd
}
