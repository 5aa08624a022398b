package engine

import (
	"errors"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/ssehub/ssehub/internal/socket"
)

// A Sink is where a stream's bytes go. The engine has two: a socket taken
// over from net/http (TakeOver), written by the writer pool, and net/http's
// ResponseWriter (HandlerSink), written by the request's handler goroutine
// (Stream.Serve).
type Sink interface {
	// Write writes p and pushes it to the client, within the write timeout.
	Write(p []byte) error
	// Close ends the sink. The engine calls it once, when its stream closes.
	Close()
}

// A PooledSink is a Sink the writer pool writes: a stream on one has no
// goroutine of its own while its client keeps up.
type PooledSink interface {
	Sink
	// TryWrite writes what the client takes of p without waiting; n < len(p)
	// with a nil error means it took no more.
	TryWrite(p []byte) (n int, err error)
	// Pending reports whether bytes TryWrite accepted are still unsent
	// (TLS records the socket did not take); a Write sends them.
	Pending() bool
}

// socketSink is an HTTP/1.x connection taken over from net/http (see
// package socket). The writer pool writes to it while the client keeps up;
// a client that does not gets a goroutine of its own (see writerPool.flush).
// Peer hang-ups are noticed by the engine's Watcher.
type socketSink struct {
	e    *Engine
	sock *socket.Conn
}

func (s *socketSink) Write(p []byte) error { return s.sock.Write(p, s.e.cfg.WriteTimeout) }

func (s *socketSink) TryWrite(p []byte) (int, error) { return s.sock.TryWrite(p) }

func (s *socketSink) Pending() bool { return s.sock.Pending() }

func (s *socketSink) Close() {
	s.e.watch.Unwatch(s.sock)
	s.sock.Close()
}

// TakeOver takes r's connection over from net/http (see socket.TakeOver) as
// a stream's sink, and returns it with the response header to write first.
func (e *Engine) TakeOver(w http.ResponseWriter, r *http.Request) (Sink, []byte, error) {
	sock, header, err := socket.TakeOver(w, r)
	if err != nil {
		return nil, nil, err
	}
	return &socketSink{e: e, sock: sock}, header, nil
}

// Watch has the engine's Watcher close s when its client hangs up, if s's
// sink is a taken-over socket. Register s first: a closed stream is never
// registered, so a hang-up can never leave a dead stream registered.
func (e *Engine) Watch(s *Stream) {
	if sink, ok := s.sink.(*socketSink); ok {
		e.watch.Watch(sink.sock, s)
	}
}

// handlerSink is the standard path: net/http's handler goroutine stays
// with the stream and writes when woken (see Stream.Serve).
type handlerSink struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

// HandlerSink returns w as a stream's sink, with the event-stream header
// set and the status 200 sent with the first write. Its stream's writer is
// the handler goroutine, in Stream.Serve.
func (e *Engine) HandlerSink(w http.ResponseWriter) Sink {
	StreamHeader(w.Header())
	w.WriteHeader(http.StatusOK) // sent with the first write
	return &handlerSink{w: w, rc: http.NewResponseController(w), timeout: e.cfg.WriteTimeout}
}

func (s *handlerSink) Write(p []byte) error {
	// Not every ResponseWriter supports deadlines; the server's own then
	// apply. A deadline left in place would end the stream once it passed.
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	defer s.rc.SetWriteDeadline(time.Time{})
	if _, err := s.w.Write(p); err != nil {
		return err
	}
	return s.rc.Flush()
}

func (s *handlerSink) Close() {}

// handlerLoop is how a stream whose sink the pool does not write gets its
// writer: its Serve goroutine waits on wake.
type handlerLoop struct {
	wake chan struct{} // a writer is wanted
	done chan struct{} // closed when the stream closes
}

func (l *handlerLoop) wakeWriter() {
	select {
	case l.wake <- struct{}{}:
	default: // already woken
	}
}

// Serve is the writer of a stream whose sink is not a PooledSink: it drains
// s when woken, and returns when s is closed, or closes s (the client is
// gone) when requestDone is. For a stream on a PooledSink it returns at once.
func (s *Stream) Serve(requestDone <-chan struct{}) {
	if s.loop == nil {
		return
	}
	for {
		select {
		case <-s.loop.wake:
			s.drain()
		case <-s.loop.done:
			return
		case <-requestDone:
			s.Close(CloseClientGone)
			return
		}
	}
}

// StreamHeader sets the response header of an event stream. Headers already
// set (CORS, say) are kept.
func StreamHeader(h http.Header) {
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
}

// WriteFailure is why a stream whose write failed with err ends: a client
// too slow to take its bytes within the write timeout, or one that is gone.
func WriteFailure(err error) CloseReason {
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return CloseWriteTimeout
	}
	return CloseClientGone
}
