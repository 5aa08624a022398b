//go:build linux

package ssehub

import (
	"log/slog"
	"sync"
	"syscall"
)

// A closeWatcher notices, without a goroutine per connection, when the peer
// of a taken-over stream hangs up: one epoll instance of its own watches
// every such socket for EPOLLRDHUP (the peer's FIN) and errors, and one
// goroutine waits on it. Go's own poller keeps the sockets too; an fd may be
// in several epoll sets. Without it a vanished client would be noticed only
// by the next heartbeat's write.
type closeWatcher struct {
	log  *slog.Logger
	epfd int // -1: epoll unavailable; heartbeats alone find dead peers
	pipe [2]int

	mu      sync.Mutex
	gen     uint32
	watched map[int32]watched // by fd
	stopped bool
}

type watched struct {
	gen uint32
	c   *conn
}

// A watchToken names one registration; an fd number is reused by the kernel
// once closed, so the generation tells registrations of one fd apart.
type watchToken struct {
	fd  int32
	gen uint32
}

const epollET = 1 << 31 // syscall.EPOLLET, as the uint32 EpollEvent wants

func newCloseWatcher(log *slog.Logger) *closeWatcher {
	w := &closeWatcher{log: log, epfd: -1, watched: make(map[int32]watched)}
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

// add watches s, the stream of c, and closes c when its peer hangs up.
func (w *closeWatcher) add(s *takenStream, c *conn) {
	fd := socketFD(s.raw)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.epfd < 0 || w.stopped || fd < 0 {
		return
	}
	w.gen++
	tok := watchToken{fd: int32(fd), gen: w.gen}
	ev := syscall.EpollEvent{
		Events: syscall.EPOLLRDHUP | syscall.EPOLLHUP | syscall.EPOLLERR | epollET,
		Fd:     tok.fd,
		Pad:    int32(tok.gen),
	}
	if err := syscall.EpollCtl(w.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return
	}
	w.watched[tok.fd] = watched{gen: tok.gen, c: c}
	s.watched = tok
}

// remove stops watching s; call it before the socket is closed.
func (w *closeWatcher) remove(s *takenStream) {
	w.mu.Lock()
	defer w.mu.Unlock()
	tok := s.watched
	if e, ok := w.watched[tok.fd]; ok && e.gen == tok.gen {
		delete(w.watched, tok.fd)
		if !w.stopped {
			syscall.EpollCtl(w.epfd, syscall.EPOLL_CTL_DEL, int(tok.fd), nil)
		}
	}
}

// run waits for hang-ups until stop.
func (w *closeWatcher) run() {
	if w.epfd < 0 {
		return
	}
	events := make([]syscall.EpollEvent, 256)
	var gone []*conn
	for {
		n, err := syscall.EpollWait(w.epfd, events, -1)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			w.log.Error("ssehub: epoll wait failed; vanished clients are found by heartbeats only", "err", err)
			return
		}
		gone = gone[:0]
		w.mu.Lock()
		for _, ev := range events[:n] {
			if ev.Fd == int32(w.pipe[0]) {
				w.shutdownLocked()
				w.mu.Unlock()
				return
			}
			if e, ok := w.watched[ev.Fd]; ok && e.gen == uint32(ev.Pad) {
				gone = append(gone, e.c)
			}
		}
		w.mu.Unlock()
		for _, c := range gone {
			c.close() // calls remove
		}
	}
}

// stop ends run and releases the epoll instance.
func (w *closeWatcher) stop() {
	if w.epfd >= 0 {
		syscall.Write(w.pipe[1], []byte{0})
	}
}

func (w *closeWatcher) shutdownLocked() {
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
