package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Opening one HTTP/1.1 stream: a raw TCP connection from one of the source
// addresses (inside a tls.Conn for https://), a hand-written GET, and
// http.ReadResponse over the tool's own small bufio.Reader, which decodes
// both close-delimited (ssehub) and chunked (net/http) bodies. HTTP/2
// streams are opened by net/http's transport instead (h2.go).

// getRequest tells http.ReadResponse the response answers a GET.
var getRequest = &http.Request{Method: http.MethodGet}

// connectTimeout bounds the dial plus the wait for the response headers.
const connectTimeout = 15 * time.Second

// newDialers returns one dialer per source address.
func newDialers(srcs []net.IP) []*net.Dialer {
	ds := make([]*net.Dialer, len(srcs))
	for i, ip := range srcs {
		ds[i] = &net.Dialer{
			LocalAddr: &net.TCPAddr{IP: ip},
			Timeout:   connectTimeout,
			KeepAlive: -1, // loopback: no keep-alive probes
			Control:   bindAddressNoPort,
		}
	}
	return ds
}

// streamRequest is the request line and headers of a stream for client, resuming
// after lastID when it is not empty.
func streamRequest(t target, client, lastID string) []byte {
	var b strings.Builder
	b.WriteString("GET /sse?id=")
	b.WriteString(url.QueryEscape(client))
	b.WriteString(" HTTP/1.1\r\nHost: ")
	b.WriteString(t.host)
	b.WriteString("\r\nUser-Agent: ssebench\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n")
	if lastID != "" && !strings.ContainsAny(lastID, "\r\n") {
		b.WriteString("Last-Event-ID: ")
		b.WriteString(lastID)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// statusError is a stream or publish answered with a status other than 200.
type statusError struct{ code int }

func (e statusError) Error() string { return fmt.Sprintf("HTTP %d", e.code) }

// dialStream connects (over TLS with conf, when not nil), sends req and
// reads the response headers. It returns the connection and the event
// stream, positioned at its first byte. The tool builds the body reader
// itself so that the *http.Response and its header map are garbage once
// this returns (net/http's chunked body keeps them for trailers): a chunked
// body is decoded over the header bufio.Reader of httpBuf bytes; a
// close-delimited one is read from the connection directly after the bytes
// already buffered, and the bufio.Reader is freed; direct reports that
// case, in which the SSE parser's buffer is the stream's only one.
func dialStream(ctx context.Context, d *net.Dialer, addr string, conf *tls.Config, req []byte, httpBuf int) (nc net.Conn, body io.Reader, direct bool, err error) {
	nc, err = d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, false, err
	}
	_ = nc.SetDeadline(time.Now().Add(connectTimeout))
	if conf != nil {
		tc, err := startTLS(ctx, nc, conf)
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
	switch {
	case len(resp.TransferEncoding) > 0 && resp.TransferEncoding[0] == "chunked":
		body = httputil.NewChunkedReader(br)
	case resp.ContentLength >= 0:
		body = resp.Body // a bounded stream: rare, keep net/http's reader
	case br.Buffered() > 0:
		early, _ := br.Peek(br.Buffered())
		body, direct = io.MultiReader(bytes.NewReader(bytes.Clone(early)), nc), true
	default:
		body, direct = nc, true
	}
	return nc, body, direct, nil
}

// errorKind names an error for the tallies of the report.
func errorKind(err error) string {
	var se statusError
	var ne net.Error
	var ce *tls.CertificateVerificationError
	switch {
	case errors.As(err, &se):
		return se.Error()
	case errors.As(err, &ce):
		return "bad certificate"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no local port"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "too many open files"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "EOF"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "other"
}
