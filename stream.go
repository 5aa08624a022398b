package ssehub

import (
	"bytes"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// A stream is where a connection's bytes go: a socket taken over from
// net/http, or net/http's ResponseWriter on the standard handler path.
type stream interface {
	// write writes p and pushes it to the client, within the write timeout.
	write(p []byte) error
	// kick makes a writer drain c's queue; c.writing has just been set.
	kick(c *conn)
	// close ends the stream.
	close()
}

// writeBatch writes the frames of a batch with one write.
func writeBatch(s stream, batch []item) error {
	p, buf := coalesce(batch)
	err := s.write(p)
	putBuf(buf)
	return err
}

// coalesce returns the bytes of a batch for one write: one frame as is,
// several copied into a pooled buffer, returned too for putBuf (nil if none).
func coalesce(batch []item) ([]byte, *[]byte) {
	if len(batch) == 1 {
		return batch[0].frame, nil
	}
	bp := getBuf()
	for _, it := range batch {
		*bp = append(*bp, it.frame...)
	}
	return *bp, bp
}

const maxPooledBuf = 256 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// getBuf returns an empty pooled buffer.
func getBuf() *[]byte {
	bp := bufPool.Get().(*[]byte)
	*bp = (*bp)[:0]
	return bp
}

// putBuf returns a buffer from getBuf to the pool, unless it grew large.
func putBuf(bp *[]byte) {
	if bp != nil && cap(*bp) <= maxPooledBuf {
		bufPool.Put(bp)
	}
}

// takenStream is an HTTP/1.x connection taken over from net/http: a socket
// and nothing else. The hub's writer pool writes to it while the client keeps
// up; a client that does not gets a goroutine of its own (see
// writerPool.flush). Peer hang-ups are noticed by the hub's closeWatcher.
type takenStream struct {
	hub     *Hub
	nc      net.Conn
	raw     syscall.RawConn // nc's file descriptor; nil if nc is not a socket
	timeout time.Duration
	watched watchToken // guarded by the hub's closeWatcher
	nb      nonblocking
}

func newTakenStream(h *Hub, nc net.Conn) *takenStream {
	s := &takenStream{hub: h, nc: nc, timeout: h.cfg.WriteTimeout}
	if sc, ok := nc.(syscall.Conn); ok {
		s.raw, _ = sc.SyscallConn()
	}
	s.nb.init(s.raw)
	return s
}

// write writes all of p, waiting for the client within the write timeout.
// The deadline is cleared afterwards: left in place, it would fail the pool's
// next non-blocking write once it passed.
func (s *takenStream) write(p []byte) error {
	if err := s.nc.SetWriteDeadline(time.Now().Add(s.timeout)); err != nil {
		return err
	}
	_, err := s.nc.Write(p)
	if err == nil {
		err = s.nc.SetWriteDeadline(time.Time{})
	}
	return err
}

func (s *takenStream) kick(c *conn) { s.hub.writers.push(c) }

func (s *takenStream) tryWrite(p []byte) (int, error) { return s.nb.write(p) }

func (s *takenStream) close() {
	s.hub.watch.remove(s)
	s.nc.Close()
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

func (s *handlerStream) kick(*conn) {
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
			c.close()
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

// takeOver takes an HTTP/1.x connection from net/http and returns it with
// the response header of an event stream, for the caller to write with the
// stream's first bytes. The body is delimited by the connection's close, so
// no chunked encoding is needed.
func takeOver(w http.ResponseWriter, r *http.Request) (net.Conn, []byte, error) {
	nc, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// Request bytes net/http buffered beyond this request, if any, are not
	// ours to answer: the stream is the connection's last response.
	b := make([]byte, 0, 256)
	if r.ProtoMinor == 0 {
		b = append(b, "HTTP/1.0"...)
	} else {
		b = append(b, "HTTP/1.1"...)
	}
	b = append(b, " 200 OK\r\n"+
		"Content-Type: text/event-stream\r\n"+
		"Cache-Control: no-cache\r\n"+
		"X-Accel-Buffering: no\r\n"+ // nginx: do not buffer the stream
		"Connection: close\r\n"...)
	if extra := w.Header(); len(extra) > 0 { // set by the application (CORS, say): kept
		h := extra.Clone()
		for _, k := range []string{"Content-Type", "Cache-Control", "X-Accel-Buffering", "Connection", "Content-Length", "Transfer-Encoding"} {
			h.Del(k)
		}
		var buf bytes.Buffer
		h.Write(&buf) // sanitises line breaks in values
		b = append(b, buf.Bytes()...)
	}
	return nc, append(b, "\r\n"...), nil
}
