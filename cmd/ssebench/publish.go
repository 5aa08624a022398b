package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ssehub/ssehub/internal/loadconn"
)

// publisher speaks one hub's publish API over keep-alive connections, to
// each of its nodes.
//
//	ssehub:    POST /publish, JSON {"broadcast":true,"data":...} or
//	           {"clients":["c17"],"data":...} -> 200 {"id":"..","connections":N}
//	           or, batched, a JSON array of such objects -> 200 a JSON array
//	           of receipts in the same order
//	yardstick: POST /publish[?to=c17], body = data -> 200 "N"
//
// It has two clients: net/http's (an http.Client with one idle connection
// per publisher), or, by default, a minimal HTTP/1.1 client in which each
// publisher goroutine owns one raw keep-alive connection. The raw client costs
// a fraction of the CPU per request (no handoff to the transport's read and
// write goroutines), which matters when the tool shares a small machine with
// the hub at thousands of publishes per second. A request names its node;
// a raw session keeps one connection per node it has sent to. Over
// https:// both run over TLS; the raw client speaks HTTP/1.1 whatever
// -proto says, net/http's the protocol of -proto (h2: HTTP/2, h2c over
// http://).
type publisher struct {
	kind    string
	key     string          // the hub's publish key, sent as a bearer token; "" for none
	mercure bool            // publish to Mercure mode's topics
	nodes   []loadconn.Node // the hub's nodes, by index
	raw     bool
	tr      *http.Transport
	client  *http.Client
}

// publishTimeout bounds one publish request.
const publishTimeout = 10 * time.Second

// newPublisher returns a publisher of cfg's run for up to conns concurrent
// requests to each of nodes; base is the run's TLS configuration (nil for
// http://).
func newPublisher(nodes []loadconn.Node, cfg *Config, base *tls.Config, conns int) *publisher {
	p := &publisher{kind: cfg.Target, key: cfg.PublishKey, mercure: cfg.Mercure, nodes: nodes, raw: !cfg.NetHTTP}
	if !p.raw {
		p.tr = &http.Transport{
			Proxy:               nil, // loopback only, whatever the environment says
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        conns * len(nodes),
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
			Protocols:           publishProtocols(cfg.Proto, base != nil),
		}
		if base != nil {
			p.tr.TLSClientConfig = base.Clone() // the transport sets its NextProtos
		}
		p.client = &http.Client{Transport: p.tr, Timeout: publishTimeout}
	}
	return p
}

// publishProtocols is what net/http's publisher speaks: HTTP/1.1, or with
// -proto h2 HTTP/2 (over TLS, or h2c).
func publishProtocols(proto string, https bool) *http.Protocols {
	var p http.Protocols
	switch {
	case proto != protoH2:
		p.SetHTTP1(true)
	case https:
		p.SetHTTP2(true)
	default:
		p.SetUnencryptedHTTP2(true)
	}
	return &p
}

func (p *publisher) close() {
	if p.tr != nil {
		p.tr.CloseIdleConnections()
	}
}

// pubSession is one publisher goroutine's connections (raw client only),
// one per node, each dialed on first use.
type pubSession struct {
	p        *publisher
	conns    []pubConn // by node
	req      []byte
	receipts []receipt // parseReceipts' buffer
}

// pubConn is a session's keep-alive connection to one node; nc is nil
// until dialed and after an error.
type pubConn struct {
	nc net.Conn
	br *bufio.Reader
}

func (p *publisher) session() *pubSession {
	return &pubSession{p: p, conns: make([]pubConn, len(p.nodes))}
}

func (s *pubSession) close() {
	for i := range s.conns {
		s.conns[i].close()
	}
}

func (c *pubConn) close() {
	if c.nc != nil {
		c.nc.Close()
		c.nc = nil
	}
}

// publish sends data to client, or to everyone when client is "", through
// node and returns the hub's receipt: the number of connections it says it
// reached and, on ssehub, the event's id.
func (s *pubSession) publish(ctx context.Context, node int, client string, data []byte) (receipt, error) {
	p := s.p
	path, body, ctype := "/publish", data, "application/octet-stream"
	if p.kind == targetSSEHub {
		body, ctype = ssehubBody(client, data, p.mercure), "application/json"
	} else if client != "" {
		path += "?to=" + url.QueryEscape(client)
	}
	reply, err := s.send(ctx, node, path, ctype, body)
	if err != nil {
		return receipt{}, err
	}
	return parseReply(p.kind, reply)
}

// publishBatch sends body, the JSON array of n ssehub publish objects made
// by a batchBody, as one request through node and returns the hub's n
// receipts, in the order of the events (valid until the session's next
// batch). An error means none of the n counts as published.
func (s *pubSession) publishBatch(ctx context.Context, node int, body []byte, n int) ([]receipt, error) {
	reply, err := s.send(ctx, node, "/publish", "application/json", body)
	if err != nil {
		return nil, err
	}
	s.receipts, err = parseReceipts(reply, n, s.receipts)
	if err != nil {
		return nil, err
	}
	return s.receipts, nil
}

// send posts body to node and returns the reply of a 200, or an error.
func (s *pubSession) send(ctx context.Context, node int, path, ctype string, body []byte) ([]byte, error) {
	var status int
	var reply []byte
	var err error
	if s.p.raw {
		status, reply, err = s.post(ctx, node, path, ctype, body)
	} else {
		status, reply, err = s.p.post(ctx, s.p.nodes[node], path, ctype, body)
	}
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, loadconn.StatusError{Code: status}
	}
	return reply, nil
}

// maxReplyBytes bounds a publish reply read: a batch of maxBatch receipts
// is about 40 KB.
const maxReplyBytes = 256 << 10

// post is one request to node t through net/http.
func (p *publisher) post(ctx context.Context, t loadconn.Node, path, ctype string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.Base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", ctype)
	if p.key != "" {
		req.Header.Set("Authorization", "Bearer "+p.key)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	return resp.StatusCode, reply, err
}

// postRequest tells http.ReadResponse the response answers a POST.
var postRequest = &http.Request{Method: http.MethodPost}

// post is one request on the session's own keep-alive connection to node,
// dialed on first use and after any error. A failed request is not
// retried: the hub may have published it.
func (s *pubSession) post(ctx context.Context, node int, path, ctype string, body []byte) (int, []byte, error) {
	c, t := &s.conns[node], s.p.nodes[node]
	if c.nc == nil {
		nc, err := dialPublish(ctx, t)
		if err != nil {
			return 0, nil, err
		}
		c.nc, c.br = nc, bufio.NewReaderSize(nc, 4096)
	}
	deadline := time.Now().Add(publishTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = c.nc.SetDeadline(deadline)
	r := append(s.req[:0], "POST "...)
	r = append(r, path...)
	r = append(r, " HTTP/1.1\r\nHost: "...)
	r = append(r, t.Host...)
	r = append(r, "\r\nUser-Agent: ssebench\r\nContent-Type: "...)
	r = append(r, ctype...)
	if s.p.key != "" {
		r = append(r, "\r\nAuthorization: Bearer "...)
		r = append(r, s.p.key...)
	}
	r = append(r, "\r\nContent-Length: "...)
	r = strconv.AppendInt(r, int64(len(body)), 10)
	r = append(r, "\r\n\r\n"...)
	r = append(r, body...)
	s.req = r
	if _, err := c.nc.Write(r); err != nil {
		c.close()
		return 0, nil, err
	}
	resp, err := http.ReadResponse(c.br, postRequest)
	if err != nil {
		c.close()
		return 0, nil, err
	}
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	resp.Body.Close()
	if err != nil || resp.Close {
		c.close()
	}
	return resp.StatusCode, reply, err
}

// dialPublish opens a raw session's connection to node t, over TLS for
// https://.
func dialPublish(ctx context.Context, t loadconn.Node) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", t.Addr)
	if err != nil || t.TLSConfig == nil {
		return nc, err
	}
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	tc, err := loadconn.StartTLS(ctx, nc, t.TLSConfig)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return tc, nil
}

// parseReply returns the receipt of a successful publish. The yardstick
// answers with the number of connections only: its receipts have no id.
func parseReply(kind string, reply []byte) (receipt, error) {
	if kind == targetSSEHub {
		var r receipt
		if err := json.Unmarshal(reply, &r); err != nil {
			return receipt{}, fmt.Errorf("publish reply %q: %v", reply, err)
		}
		return r, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(reply)))
	if err != nil {
		return receipt{}, fmt.Errorf("publish reply %q: %v", reply, err)
	}
	return receipt{Connections: n}, nil
}

// receipt is the part of an ssehub publish receipt the tool uses.
type receipt struct {
	ID          string `json:"id"` // the event's id in the hub's log, as streams see it
	Connections int    `json:"connections"`
}

// parseReceipts parses the reply to a batch of n events, a JSON array of n
// receipts, into dst (reused) and returns it.
func parseReceipts(reply []byte, n int, dst []receipt) ([]receipt, error) {
	dst = dst[:0]
	if err := json.Unmarshal(reply, &dst); err != nil {
		return dst, fmt.Errorf("batch publish reply %.80q: %v", reply, err)
	}
	if dst == nil || len(dst) != n {
		return dst, fmt.Errorf("batch publish reply: %d receipts for %d events", len(dst), n)
	}
	return dst, nil
}

// ssehubBody is the JSON body of an ssehub publish.
func ssehubBody(client string, data []byte, mercure bool) []byte {
	return appendPublishObject(make([]byte, 0, len(data)+len(client)+80), client, data, mercure)
}

// appendPublishObject appends the JSON publish object of data to client, or
// to everyone when client is ""; in Mercure mode, to the topic of client
// or everyone's (mercureTopic).
func appendPublishObject(b []byte, client string, data []byte, mercure bool) []byte {
	switch {
	case mercure:
		b = append(b, `{"topics":[`...)
		b = appendJSONString(b, mercureTopic(client))
		b = append(b, `],"data":`...)
	case client == "":
		b = append(b, `{"broadcast":true,"data":`...)
	default:
		b = append(b, `{"clients":[`...)
		b = appendJSONString(b, client)
		b = append(b, `],"data":`...)
	}
	b = appendJSONString(b, data)
	return append(b, '}')
}

// batchBody builds the body of a batch publish, a JSON array of publish
// objects, in a buffer reused from one request to the next.
type batchBody struct {
	b       []byte
	n       int
	mercure bool // publish to Mercure mode's topics
}

// reset starts an empty batch.
func (bb *batchBody) reset() {
	bb.b = append(bb.b[:0], '[')
	bb.n = 0
}

// add appends the event data to client ("": everyone).
func (bb *batchBody) add(client string, data []byte) {
	if bb.n > 0 {
		bb.b = append(bb.b, ',')
	}
	bb.b = appendPublishObject(bb.b, client, data, bb.mercure)
	bb.n++
}

// bytes returns the finished body; valid until the next reset.
func (bb *batchBody) bytes() []byte {
	bb.b = append(bb.b, ']')
	return bb.b
}

// appendJSONString appends s as a JSON string.
func appendJSONString[T string | []byte](b []byte, s T) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			q, _ := json.Marshal(string(s)) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
