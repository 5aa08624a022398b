package socket

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/tlstest"
)

// tlsTakeOver serves HTTPS on ln (through TLSListener when sealed), taking
// every request's connection over and handing it to the test.
func tlsTakeOver(t *testing.T, sealed bool) (addr string, conns <-chan *Conn) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := tlstest.Get(t).ServerConfig()
	cfg.NextProtos = []string{"http/1.1"}
	ln := tls.NewListener(inner, cfg)
	if sealed {
		ln = TLSListener(inner, cfg)
	}
	ch := make(chan *Conn, 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, header, err := TakeOver(w, r)
		if err != nil {
			t.Errorf("TakeOver: %v", err)
			return
		}
		if err := c.Write(header, time.Second); err != nil {
			t.Errorf("Write: %v", err)
		}
		ch <- c
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return inner.Addr().String(), ch
}

// tlsClient sends GET / over TLS to addr and returns the connection, read
// past the response header.
func tlsClient(t *testing.T, addr string) (*tls.Conn, *bufio.Reader) {
	t.Helper()
	cfg := tlstest.Get(t).ClientConfig()
	cfg.ServerName = "127.0.0.1"
	tc, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(tc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(tc)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the response header: %v", err)
		}
		if line == "\r\n" {
			return tc, br
		}
	}
}

func takeConn(t *testing.T, conns <-chan *Conn) *Conn {
	t.Helper()
	select {
	case c := <-conns:
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no connection taken over within 5s")
		return nil
	}
}

// Over TLSListener, TryWrite encrypts and sends without waiting: all or
// nothing of p, records the socket did not take held as Pending until a
// Write; the client decrypts every byte accepted, in order.
func TestTLSTryWriteWithoutWaiting(t *testing.T) {
	addr, conns := tlsTakeOver(t, true)
	tc, br := tlsClient(t, addr)
	c := takeConn(t, conns)
	if n, err := c.TryWrite([]byte("data: hello\n\n")); n != 13 || err != nil {
		t.Fatalf("TryWrite to an empty socket: %d, %v", n, err)
	}
	if line, _ := br.ReadString('\n'); line != "data: hello\n" {
		t.Fatalf("client read %q", line)
	}
	// The client stops reading: the socket fills, TryWrite stops accepting.
	p := []byte(strings.Repeat("x", 64<<10))
	var accepted int
	for range 1024 {
		start := time.Now()
		n, err := c.TryWrite(p)
		if d := time.Since(start); d > time.Second || err != nil {
			t.Fatalf("TryWrite: %v after %v", err, d)
		}
		if n != 0 && n != len(p) {
			t.Fatalf("TryWrite over TLS accepted %d of %d bytes, want all or nothing", n, len(p))
		}
		accepted += n
		if n == 0 {
			break
		}
	}
	if !c.Pending() {
		t.Fatal("the socket is full but nothing is pending")
	}
	read := make(chan int, 1)
	go func() {
		br.Discard(1) // the blank line after "data: hello"
		n, _ := io.CopyN(io.Discard, br, int64(accepted))
		read <- int(n)
	}()
	if err := c.Write(nil, 5*time.Second); err != nil {
		t.Fatalf("Write(nil) sending what was pending: %v", err)
	}
	if c.Pending() {
		t.Error("still pending after Write")
	}
	if n := <-read; n != accepted {
		t.Errorf("client got %d bytes of the %d accepted", n, accepted)
	}
	tc.Close()
}

// A TLS stream is watched for hang-ups on the socket under it, through
// TLSListener or not.
func TestWatcherSeesTLSHangUp(t *testing.T) {
	for _, sealed := range []bool{true, false} {
		addr, conns := tlsTakeOver(t, sealed)
		tc, _ := tlsClient(t, addr)
		c := takeConn(t, conns)
		w := running(t)
		r := newRecorder()
		w.Watch(c, r)
		tc.Close()
		r.expect(t)
	}
}

// Without TLSListener, TryWrite takes nothing (every write waits), and
// Write still works.
func TestTLSWithoutSealingWaits(t *testing.T) {
	addr, conns := tlsTakeOver(t, false)
	_, br := tlsClient(t, addr)
	c := takeConn(t, conns)
	if n, err := c.TryWrite([]byte("data: x\n\n")); n != 0 || err != nil {
		t.Fatalf("TryWrite: %d, %v; want 0: the records cannot be held", n, err)
	}
	if err := c.Write([]byte("data: y\n\n"), time.Second); err != nil {
		t.Fatal(err)
	}
	if line, _ := br.ReadString('\n'); line != "data: y\n" {
		t.Fatalf("client read %q", line)
	}
}
