package ssehub

import (
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/ssehub/ssehub/internal/socket"
)

// A stream is where a connection's bytes go: a socket taken over from
// net/http, or net/http's ResponseWriter on the standard handler path.
type stream interface {
	// write writes p and pushes it to the client, within the write timeout.
	write(p []byte) error
	// wakeWriter makes a writer drain c's queue; c.writing has just been set.
	wakeWriter(c *conn)
	// close ends the stream.
	close()
}

// takenStream is an HTTP/1.x connection taken over from net/http (see
// package socket). The hub's writer pool writes to it while the client keeps
// up; a client that does not gets a goroutine of its own (see
// writerPool.flush). Peer hang-ups are noticed by the hub's Watcher.
type takenStream struct {
	hub  *Hub
	sock *socket.Conn
}

func (s *takenStream) write(p []byte) error { return s.sock.Write(p, s.hub.cfg.WriteTimeout) }

func (s *takenStream) wakeWriter(c *conn) { s.hub.writers.push(c) }

func (s *takenStream) tryWrite(p []byte) (int, error) { return s.sock.TryWrite(p) }

func (s *takenStream) pending() bool { return s.sock.Pending() }

func (s *takenStream) close() {
	s.hub.watch.Unwatch(s.sock)
	s.sock.Close()
}

// handlerStream is the standard path: net/http's handler goroutine stays with
// the stream and writes when woken (HTTP/2, or Config.KeepHandler).
type handlerStream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	wake    chan struct{} // a writer is wanted
	done    chan struct{} // closed by close
	once    sync.Once
}

func (s *handlerStream) write(p []byte) error {
	// Not every ResponseWriter supports deadlines; the server's own then
	// apply. A deadline left in place would end the stream once it passed.
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	defer s.rc.SetWriteDeadline(time.Time{})
	if _, err := s.w.Write(p); err != nil {
		return err
	}
	return s.rc.Flush()
}

func (s *handlerStream) wakeWriter(*conn) {
	select {
	case s.wake <- struct{}{}:
	default: // already woken
	}
}

func (s *handlerStream) close() { s.once.Do(func() { close(s.done) }) }

// serve is the handler goroutine's life on the standard path: drain when
// woken, return when the stream is closed or the request ends.
func (s *handlerStream) serve(c *conn, requestDone <-chan struct{}) {
	for {
		select {
		case <-s.wake:
			c.drain()
		case <-s.done:
			return
		case <-requestDone:
			c.close(CloseClientGone)
			return
		}
	}
}

// streamHeader sets the response header of an event stream. Headers already
// set on the ResponseWriter (CORS, say) are kept.
func streamHeader(h http.Header) {
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
}

// writeFailure is why a stream whose write failed with err ends: a client
// too slow to take its bytes within the write timeout, or one that is gone.
func writeFailure(err error) CloseReason {
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return CloseWriteTimeout
	}
	return CloseClientGone
}
