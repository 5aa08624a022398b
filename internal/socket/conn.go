package socket

import (
	"bytes"
	"crypto/tls"
	"net"
	"net/http"
	"syscall"
	"time"
)

// A Conn is a connection taken over from net/http: a socket and nothing
// else. Write and TryWrite may be called by one goroutine at a time; Close
// may be called from any, and ends a Write in progress.
type Conn struct {
	nc    net.Conn
	raw   syscall.RawConn // the socket's file descriptor, shared by TryWrite and the Watcher; nil if nc is not a socket
	tls   *tlsState       // nil for a plain connection
	watch watchState      // guarded by the Watcher
	nb    nonblocking
}

// newConn wraps nc, getting its RawConn once: a SyscallConn per write or
// per watch would allocate.
func newConn(nc net.Conn) *Conn {
	if tc, ok := nc.(*tls.Conn); ok {
		return newTLSConn(tc)
	}
	c := &Conn{nc: nc}
	if sc, ok := nc.(syscall.Conn); ok {
		c.raw, _ = sc.SyscallConn()
	}
	c.nb.init()
	return c
}

// Write writes all of p, waiting for the peer until timeout has passed.
// The deadline is cleared afterwards: left in place, it would fail the next
// TryWrite once it passed.
func (c *Conn) Write(p []byte, timeout time.Duration) error {
	if c.tls != nil {
		err := c.tls.write(p, time.Now().Add(timeout))
		if err == nil {
			err = c.clearDeadline()
		}
		return err
	}
	if err := c.nc.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	_, err := c.nc.Write(p)
	if err == nil {
		err = c.nc.SetWriteDeadline(time.Time{})
	}
	return err
}

// TryWrite writes what the socket takes of p now, without waiting; n <
// len(p) with a nil error means the socket is full (on systems without the
// non-blocking write, and for a Conn that is not a socket, n is always 0).
// On a plain connection it allocates nothing. Over TLS it takes all of p or
// nothing, and may leave records unsent (Pending): a Write, even of
// nothing, sends them.
func (c *Conn) TryWrite(p []byte) (n int, err error) {
	if c.tls != nil {
		return c.tls.tryWrite(c, p)
	}
	return c.nb.write(c.raw, p)
}

// Pending reports whether bytes an earlier TryWrite accepted are still
// unsent (over TLS: records the socket did not take). Write sends them.
func (c *Conn) Pending() bool { return c.tls != nil && len(c.tls.pending) > 0 }

// clearDeadline clears the write deadline of the socket under a TLS Conn.
func (c *Conn) clearDeadline() error {
	if c.tls.sealed != nil {
		return c.tls.sealed.Conn.SetWriteDeadline(time.Time{})
	}
	return c.tls.tc.SetWriteDeadline(time.Time{})
}

// Close closes the connection. Unwatch it first.
func (c *Conn) Close() error { return c.nc.Close() }

// TakeOver takes an HTTP/1.x connection from net/http and returns it with
// the response header of an event stream (200, text/event-stream, no
// caching, no proxy buffering, Connection: close, and the headers the
// application set on w), for the caller to write with the stream's first
// bytes. The body is delimited by the connection's close, so no chunked
// encoding is needed.
func TakeOver(w http.ResponseWriter, r *http.Request) (*Conn, []byte, error) {
	nc, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// Request bytes net/http buffered beyond this request, if any, are not
	// ours to answer: the stream is the connection's last response.
	return newConn(nc), header(w.Header(), r.ProtoMinor), nil
}

// header returns the response header of an event stream on HTTP/1.minor,
// with the application's headers in extra kept, except those the stream's
// framing decides (hop-by-hop, length, encoding) and those it sets itself.
func header(extra http.Header, minor int) []byte {
	b := make([]byte, 0, 256)
	if minor == 0 {
		b = append(b, "HTTP/1.0"...)
	} else {
		b = append(b, "HTTP/1.1"...)
	}
	b = append(b, " 200 OK\r\n"+
		"Content-Type: text/event-stream\r\n"+
		"Cache-Control: no-cache\r\n"+
		"X-Accel-Buffering: no\r\n"+ // nginx: do not buffer the stream
		"Connection: close\r\n"...)
	if len(extra) > 0 { // set by the application (CORS, say): kept
		h := extra.Clone()
		for _, k := range []string{"Content-Type", "Cache-Control", "X-Accel-Buffering", "Connection", "Content-Length", "Transfer-Encoding"} {
			h.Del(k)
		}
		var buf bytes.Buffer
		h.Write(&buf) // sanitises line breaks in values
		b = append(b, buf.Bytes()...)
	}
	return append(b, "\r\n"...)
}
