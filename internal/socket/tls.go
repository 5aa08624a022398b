package socket

import (
	"crypto/tls"
	"net"
	"sync"
	"syscall"
	"time"
)

// TLS streams. A taken-over TLS connection is a *tls.Conn, which is not a
// socket: its writes encrypt, then wait for the peer. Two things make it as
// cheap as a plain one:
//
//   - Hang-ups are watched on the TCP socket under it (tls.Conn.NetConn): the
//     peer's FIN is the same whatever is encrypted above it.
//   - Writes that do not wait need the ciphertext: TLS records cannot be
//     written in part through tls.Conn. A listener made by [TLSListener]
//     serves each TLS connection over a sealedConn, whose writes the stream
//     can capture: once a stream takes the connection over, tls.Conn's
//     records land in the sealedConn's buffer, and TryWrite sends them with
//     a non-blocking write(2), keeping what the socket did not take for the
//     next write (see Conn.Pending).
//
// A TLS connection not served through TLSListener (an application's own
// tls.Listen) is still watched for hang-ups; its writes all wait.

// TLSListener returns a listener that serves TLS over inner with cfg, as
// tls.NewListener does, such that the streams taken over from its
// connections write without waiting.
func TLSListener(inner net.Listener, cfg *tls.Config) net.Listener {
	return tls.NewListener(SealingListener(inner), cfg)
}

// SealingListener returns inner with connections whose TLS records a taken-
// over stream can capture, for a server that puts TLS over it itself
// (tls.NewListener(SealingListener(ln), cfg) is TLSListener).
func SealingListener(inner net.Listener) net.Listener { return sealingListener{inner} }

type sealingListener struct{ net.Listener }

func (l sealingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &sealedConn{Conn: c}, nil
}

// A sealedConn is the TCP connection under a tls.Conn. Until capture, its
// writes go straight to the socket; after, they append the records to out,
// which the taken-over stream sends.
type sealedConn struct {
	net.Conn
	mu      sync.Mutex
	capture bool
	out     []byte
}

func (c *sealedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.capture {
		c.out = append(c.out, p...)
		c.mu.Unlock()
		return len(p), nil
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// take returns the records captured since the last take.
func (c *sealedConn) take() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.out
	c.out = nil
	return out
}

// tlsState is what a Conn over TLS keeps: the tls.Conn to encrypt with, the
// sealedConn that captures its records (nil without TLSListener), and the
// records the socket has not taken yet.
type tlsState struct {
	tc      *tls.Conn
	sealed  *sealedConn
	pending []byte
}

// newTLSConn wraps a taken-over TLS connection.
func newTLSConn(tc *tls.Conn) *Conn {
	c := &Conn{nc: tc, tls: &tlsState{tc: tc}}
	if sc, ok := tc.NetConn().(syscall.Conn); ok {
		c.raw, _ = sc.SyscallConn() // for the Watcher only: TryWrite must not send plaintext
	}
	if s, ok := tc.NetConn().(*sealedConn); ok {
		c.tls.sealed = s
		if sc, ok := s.Conn.(syscall.Conn); ok {
			c.raw, _ = sc.SyscallConn()
		}
		s.mu.Lock()
		s.capture = true
		s.mu.Unlock()
	}
	c.nb.init()
	return c
}

// tryWrite encrypts p and sends what the socket takes of its records now.
// It takes all of p or none of it: records that the socket did not take
// wait in pending, reported by Pending, for the next write.
func (t *tlsState) tryWrite(c *Conn, p []byte) (int, error) {
	if t.sealed == nil {
		return 0, nil // every write waits
	}
	if len(t.pending) > 0 {
		if err := t.flushNow(c); err != nil || len(t.pending) > 0 {
			return 0, err
		}
	}
	if _, err := t.tc.Write(p); err != nil {
		return 0, err
	}
	t.pending = t.sealed.take()
	return len(p), t.flushNow(c)
}

// flushNow sends what the socket takes of pending now.
func (t *tlsState) flushNow(c *Conn) error {
	n, err := c.nb.write(c.raw, t.pending)
	t.pending = t.pending[n:]
	if len(t.pending) == 0 {
		t.pending = nil // an idle stream keeps no buffer
	}
	return err
}

// write sends pending, then p, waiting for the peer until deadline.
func (t *tlsState) write(p []byte, deadline time.Time) error {
	if t.sealed == nil {
		if err := t.tc.SetWriteDeadline(deadline); err != nil {
			return err
		}
		_, err := t.tc.Write(p)
		return err
	}
	if len(p) > 0 {
		if _, err := t.tc.Write(p); err != nil {
			return err
		}
		t.pending = append(t.pending, t.sealed.take()...)
	}
	if err := t.sealed.Conn.SetWriteDeadline(deadline); err != nil {
		return err
	}
	_, err := t.sealed.Conn.Write(t.pending)
	t.pending = nil
	return err
}
