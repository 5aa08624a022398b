package loadconn

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"
)

// Opening one HTTP/1.1 stream: a raw TCP connection from one of the source
// addresses (inside a tls.Conn for https://), a hand-written GET, and
// http.ReadResponse over the tool's own small bufio.Reader, which decodes
// both close-delimited (ssehub) and chunked (net/http) bodies. HTTP/2
// streams are opened by net/http's transport instead (h2.go).

// getRequest tells http.ReadResponse the response answers a GET.
var getRequest = &http.Request{Method: http.MethodGet}

// StreamRequest is the request line and headers of a stream for client on
// node, resuming after lastID when it is not empty.
func StreamRequest(node Node, client, lastID string) []byte {
	return StreamRequestFor(node, StreamPath(client), lastID)
}

// StreamPath is the path and query of ssehub's stream for client.
func StreamPath(client string) string { return "/sse?id=" + url.QueryEscape(client) }

// StreamRequestFor is StreamRequest for any path and query (a Mercure
// subscription's, say).
func StreamRequestFor(node Node, path, lastID string) []byte {
	var b strings.Builder
	b.WriteString("GET ")
	b.WriteString(path)
	b.WriteString(" HTTP/1.1\r\nHost: ")
	b.WriteString(node.Host)
	b.WriteString("\r\nUser-Agent: ssebench\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n")
	if lastID != "" && !strings.ContainsAny(lastID, "\r\n") {
		b.WriteString("Last-Event-ID: ")
		b.WriteString(lastID)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// DialStream connects to node from d (over TLS with node.TLSConfig, when
// not nil), sends req and reads the response headers. It returns the
// connection and the event stream, positioned at its first byte. The
// body reader is built here so that the *http.Response and its header map
// are garbage once this returns (net/http's chunked body keeps them for
// trailers): a chunked body is decoded over the header bufio.Reader of
// httpBuf bytes; a close-delimited one is read from the connection
// directly after the bytes already buffered, and the bufio.Reader is
// freed; direct reports that case, in which the SSE parser's buffer is the
// stream's only one.
func DialStream(ctx context.Context, d *net.Dialer, node Node, req []byte, httpBuf int) (nc net.Conn, body io.Reader, direct bool, err error) {
	nc, err = d.DialContext(ctx, "tcp", node.Addr)
	if err != nil {
		return nil, nil, false, err
	}
	_ = nc.SetDeadline(time.Now().Add(ConnectTimeout))
	if node.TLSConfig != nil {
		tc, err := StartTLS(ctx, nc, node.TLSConfig)
		if err != nil {
			nc.Close()
			return nil, nil, false, err
		}
		nc = tc
	}
	if _, err := nc.Write(req); err != nil {
		nc.Close()
		return nil, nil, false, err
	}
	br := bufio.NewReaderSize(nc, httpBuf)
	resp, err := http.ReadResponse(br, getRequest)
	if err != nil {
		nc.Close()
		return nil, nil, false, err
	}
	if err := checkStreamResponse(resp.StatusCode, resp.Header.Get("Content-Type")); err != nil {
		nc.Close()
		return nil, nil, false, err
	}
	_ = nc.SetDeadline(time.Time{})
	body, direct = streamBody(resp, br, nc)
	return nc, body, direct, nil
}

// streamBody is the event stream of resp, read from br over nc; direct
// reports a close-delimited body read from nc itself.
func streamBody(resp *http.Response, br *bufio.Reader, nc net.Conn) (body io.Reader, direct bool) {
	switch {
	case len(resp.TransferEncoding) > 0 && resp.TransferEncoding[0] == "chunked":
		return httputil.NewChunkedReader(br), false
	case resp.ContentLength >= 0:
		return resp.Body, false // a bounded stream: rare, keep net/http's reader
	case br.Buffered() > 0:
		early, _ := br.Peek(br.Buffered())
		return io.MultiReader(bytes.NewReader(bytes.Clone(early)), nc), true
	default:
		return nc, true
	}
}

// checkStreamResponse refuses a stream answered with another status than
// 200 or another Content-Type than text/event-stream.
func checkStreamResponse(status int, ctype string) error {
	if status != http.StatusOK {
		return StatusError{status}
	}
	if !strings.HasPrefix(ctype, "text/event-stream") {
		return fmt.Errorf("Content-Type %q", ctype)
	}
	return nil
}

// CloseAbortively closes nc with a reset instead of a FIN. A graceful close
// leaves the tool's port in TIME_WAIT for a minute; tens of thousands of
// those make the kernel's search for a free port, and so every connect of
// the next run, slow. A TLS connection is closed under its record layer,
// without the close_notify alert, whose write could wait for a peer that
// does not read.
func CloseAbortively(nc net.Conn) {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	nc.Close()
}
