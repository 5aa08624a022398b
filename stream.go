package ssehub

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"sync"
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

// writeBatch writes the frames of a batch with one write: one frame as is,
// several copied into a pooled buffer.
func writeBatch(s stream, batch []item) error {
	if len(batch) == 1 {
		return s.write(batch[0].frame)
	}
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	for _, it := range batch {
		buf = append(buf, it.frame...)
	}
	err := s.write(buf)
	if cap(buf) <= maxPooledBuf {
		*bp = buf[:0]
		bufPool.Put(bp)
	}
	return err
}

const maxPooledBuf = 256 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// takenStream is an HTTP/1.x connection taken over from net/http: a socket
// and nothing else. Its writer is a goroutine started when there is something
// to write; peer hang-ups are noticed by the hub's closeWatcher.
type takenStream struct {
	hub     *Hub
	nc      net.Conn
	timeout time.Duration
	drain   func()     // the conn's drain, bound once: "go s.drain()" allocates nothing
	watched watchToken // guarded by the hub's closeWatcher
}

func (s *takenStream) write(p []byte) error {
	if err := s.nc.SetWriteDeadline(time.Now().Add(s.timeout)); err != nil {
		return err
	}
	_, err := s.nc.Write(p)
	return err
}

func (s *takenStream) kick(*conn) { go s.drain() }

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
	// Not every ResponseWriter supports deadlines; the server's own then apply.
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
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
	h := w.Header().Clone()
	streamHeader(h)
	h.Set("Connection", "close")
	h.Del("Content-Length")
	h.Del("Transfer-Encoding")
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.%d 200 OK\r\n", min(r.ProtoMinor, 1))
	h.Write(&b) // sanitises line breaks in values
	b.WriteString("\r\n")
	return nc, b.Bytes(), nil
}
