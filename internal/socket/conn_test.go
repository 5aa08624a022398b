package socket

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// netPair returns the two ends of a loopback TCP connection.
func netPair(t *testing.T) (ours, peer net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	ours, err = ln.Accept()
	if err != nil {
		peer.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { ours.Close(); peer.Close() })
	return ours, peer
}

// pair returns our end of a loopback TCP connection as a Conn, and the peer's.
func pair(t *testing.T) (*Conn, net.Conn) {
	t.Helper()
	ours, peer := netPair(t)
	return newConn(ours), peer
}

// countAll reads from peer until EOF and sends how many bytes it read.
func countAll(peer net.Conn) <-chan int64 {
	ch := make(chan int64, 1)
	go func() {
		n, _ := io.Copy(io.Discard, peer)
		ch <- n
	}()
	return ch
}

// TryWrite on a socket whose peer does not read fills it, then returns a
// short count at once instead of waiting; the count is what the peer gets.
func TestTryWriteShortOnFullSocket(t *testing.T) {
	c, peer := pair(t)
	p := make([]byte, 1<<20)
	var sent int64
	short := false
	for range 256 { // far beyond any loopback socket's buffers
		start := time.Now()
		n, err := c.TryWrite(p)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("TryWrite waited %v", d)
		}
		if err != nil {
			t.Fatalf("TryWrite: %v", err)
		}
		sent += int64(n)
		if n < len(p) {
			short = true
			break
		}
	}
	if !short {
		t.Fatal("TryWrite never returned a short count on a socket nobody reads")
	}
	got := countAll(peer)
	c.Close()
	select {
	case n := <-got:
		if n != sent {
			t.Errorf("the peer read %d bytes; TryWrite reported %d", n, sent)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the peer did not reach EOF within 10s")
	}
}

// TryWrite allocates nothing: it is the writer pool's every write.
func TestTryWriteAllocatesNothing(t *testing.T) {
	c, peer := pair(t)
	got := countAll(peer)
	p := []byte("data: x\n\n")
	if a := testing.AllocsPerRun(100, func() { c.TryWrite(p) }); a != 0 {
		t.Errorf("TryWrite: %v allocations per write", a)
	}
	c.Close()
	<-got
}

// Write waits for a peer that does not read until its timeout, no longer.
func TestWriteHonoursTimeout(t *testing.T) {
	c, _ := pair(t)
	const timeout = 200 * time.Millisecond
	start := time.Now()
	err := c.Write(make([]byte, 64<<20), timeout)
	d := time.Since(start)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Write to a peer that does not read: %v, want a deadline error", err)
	}
	if d < timeout-20*time.Millisecond || d > timeout+2*time.Second {
		t.Errorf("Write returned after %v with a timeout of %v", d, timeout)
	}
}

// A Write's deadline does not outlive it: a later write, after the deadline
// would have passed, still goes through.
func TestWriteClearsItsDeadline(t *testing.T) {
	c, peer := pair(t)
	got := countAll(peer)
	if err := c.Write([]byte("a"), 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	if _, err := c.TryWrite([]byte("b")); err != nil {
		t.Errorf("TryWrite after an earlier Write's deadline: %v", err)
	}
	if err := c.Write([]byte("c"), time.Second); err != nil {
		t.Errorf("Write after an earlier Write's deadline: %v", err)
	}
	c.Close()
	if n := <-got; n < 2 {
		t.Errorf("the peer read %d bytes", n)
	}
}

// takeOverServer serves every request by setting the application's headers
// and taking the connection over; the handler writes the header and a body
// and closes the connection.
func takeOverServer(t *testing.T, app http.Header) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range app {
			w.Header()[k] = v
		}
		c, header, err := TakeOver(w, r)
		if err != nil {
			t.Errorf("TakeOver: %v", err)
			return
		}
		defer c.Close()
		if err := c.Write(append(header, "data: x\n\n"...), time.Second); err != nil {
			t.Errorf("Write: %v", err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// exchange sends one raw request and returns everything the server wrote.
func exchange(t *testing.T, srv *httptest.Server, request string) string {
	t.Helper()
	nc, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(nc, request); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(nc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The taken-over response is an event stream: the application's headers are
// kept, except those the stream decides itself (type, caching, buffering)
// and the hop-by-hop and framing ones; a line break in a value cannot
// inject a header; the status line follows the request's protocol version.
func TestTakeOverHeader(t *testing.T) {
	app := http.Header{
		"Access-Control-Allow-Origin": {"https://app.example"},
		"X-Evil":                      {"a\r\nInjected: yes"},
		"Content-Type":                {"text/plain"},
		"Cache-Control":               {"max-age=60"},
		"Content-Length":              {"5"},
		"Transfer-Encoding":           {"chunked"},
		"Connection":                  {"keep-alive"},
	}
	srv := takeOverServer(t, app)
	for _, proto := range []string{"HTTP/1.1", "HTTP/1.0"} {
		t.Run(proto, func(t *testing.T) {
			raw := exchange(t, srv, fmt.Sprintf("GET / %s\r\nHost: x\r\n\r\n", proto))
			if !strings.HasPrefix(raw, proto+" 200 OK\r\n") {
				t.Fatalf("response starts %q", raw[:min(len(raw), 40)])
			}
			head, body, ok := strings.Cut(raw, "\r\n\r\n")
			if !ok {
				t.Fatalf("no end of header in %q", raw)
			}
			if body != "data: x\n\n" {
				t.Errorf("body %q", body)
			}
			connection := 0
			for _, line := range strings.Split(head, "\r\n")[1:] {
				if strings.HasPrefix(line, "Injected:") {
					t.Errorf("a line break in a header value injected a header: %q", line)
				}
				if name, value, _ := strings.Cut(line, ": "); name == "Connection" {
					connection++
					if value != "close" {
						t.Errorf("Connection: %q, want close", value)
					}
				}
			}
			if connection != 1 {
				t.Errorf("%d Connection lines, want one", connection)
			}
			resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := map[string][]string{
				"Access-Control-Allow-Origin": {"https://app.example"},
				"Content-Type":                {"text/event-stream"},
				"Cache-Control":               {"no-cache"},
				"X-Accel-Buffering":           {"no"},
				"Content-Length":              nil,
				"Transfer-Encoding":           nil,
			}
			for k, v := range want {
				if got := resp.Header[k]; strings.Join(got, "|") != strings.Join(v, "|") {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if !resp.Close || resp.TransferEncoding != nil || resp.ContentLength != -1 {
				t.Errorf("close %v, framed as %v, length %d; want delimited by the close", resp.Close, resp.TransferEncoding, resp.ContentLength)
			}
		})
	}
}

// A ResponseWriter that cannot be hijacked (HTTP/2's, a recorder) is left
// as it was.
func TestTakeOverRefused(t *testing.T) {
	rec := httptest.NewRecorder()
	c, header, err := TakeOver(rec, httptest.NewRequest("GET", "/", nil))
	if err == nil || c != nil || header != nil {
		t.Fatalf("TakeOver of a recorder: %v, %v, %q; want an error", c, err, header)
	}
	if rec.Body.Len() != 0 || rec.Flushed {
		t.Error("a refused TakeOver wrote to the response")
	}
}
