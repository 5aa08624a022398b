package loadconn

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// serveEvent answers a stream with one event naming what the hub saw: the
// protocol, the client, the Last-Event-ID and the source address; then it
// holds the stream until the client goes.
func serveEvent(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	src, _, _ := net.SplitHostPort(r.RemoteAddr)
	fmt.Fprintf(w, "data: %s %s %s %s\n\n", r.Proto, r.URL.Query().Get("id"), r.Header.Get("Last-Event-ID"), src)
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

// nodeOf is the Node of a test server.
func nodeOf(t *testing.T, srv *httptest.Server) Node {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return Node{Base: srv.URL, Host: u.Host, Name: u.Hostname(), Addr: u.Host, IP: net.ParseIP(u.Hostname()), TLS: u.Scheme == "https"}
}

// firstData reads body up to its first data line and returns it; the
// caller bounds the read (a deadline on the connection, a context).
func firstData(t *testing.T, body io.Reader) string {
	t.Helper()
	br := bufio.NewReader(body)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("no data line: %v", err)
		}
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			return strings.TrimSuffix(d, "\n")
		}
	}
}

// dialFrom dials node from 127.0.0.<src> and returns the first event's data
// and whether the body is read from the connection directly.
func dialFrom(t *testing.T, node Node, src int, client, lastID string) (string, bool) {
	t.Helper()
	d := NewDialers(SourceAddrs(node.IP, src, 1))[0]
	nc, body, direct, err := DialStream(context.Background(), d, node, StreamRequest(node, client, lastID), 1024)
	if err != nil {
		t.Fatalf("DialStream: %v", err)
	}
	defer CloseAbortively(nc)
	_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	return firstData(t, body), direct
}

func TestDialStreamChunked(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(serveEvent))
	defer srv.Close()
	got, direct := dialFrom(t, nodeOf(t, srv), 2, "c 1", "7")
	if got != "HTTP/1.1 c 1 7 127.0.0.2" || direct {
		t.Errorf("chunked stream: data %q, direct %v; want \"HTTP/1.1 c 1 7 127.0.0.2\", not direct", got, direct)
	}
}

// A close-delimited body (ssehub's) is read from the connection itself,
// after the bytes that came with the headers.
func TestDialStreamCloseDelimited(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = bufio.NewReader(c).ReadString('\n')
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\ndata: early\n\n")
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.Copy(io.Discard, c) // until the client goes
	}()
	node := Node{Host: ln.Addr().String(), Addr: ln.Addr().String(), IP: net.ParseIP("127.0.0.1")}
	if got, direct := dialFrom(t, node, 1, "c1", ""); got != "early" || !direct {
		t.Errorf("close-delimited stream: data %q, direct %v; want \"early\", direct", got, direct)
	}
}

func TestDialStreamRefusals(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("id") == "missing" {
			http.Error(w, "no", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
	}))
	node := nodeOf(t, srv)
	d := NewDialers(SourceAddrs(node.IP, 1, 1))[0]
	dial := func(client string) error {
		nc, _, _, err := DialStream(context.Background(), d, node, StreamRequest(node, client, ""), 1024)
		if err == nil {
			nc.Close()
		}
		return err
	}
	if err := dial("missing"); ErrorKind(err) != "HTTP 404" {
		t.Errorf("404: %v, kind %q; want kind \"HTTP 404\"", err, ErrorKind(err))
	}
	if err := dial("c1"); err == nil || !strings.Contains(err.Error(), `Content-Type "text/plain"`) {
		t.Errorf("text/plain answer: %v, want a Content-Type error", err)
	}
	srv.Close()
	if err := dial("c1"); ErrorKind(err) != "refused" {
		t.Errorf("closed server: %v, kind %q; want kind \"refused\"", err, ErrorKind(err))
	}
}
