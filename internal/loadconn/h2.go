package loadconn

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// With -proto h2 the streams are HTTP/2 streams, opened by net/http's
// client transport: over TLS with ALPN for https:// URLs, cleartext with
// prior knowledge (h2c) for http:// ones. As a browser shares one
// connection to an origin between its tabs, -h2-streams-per-conn streams
// share a connection: each connection has a transport of its own, so that
// the grouping is the tool's choice, not the transport's pool's.
//
// Stream i is first on node i mod N, the (i / N)th stream of that node;
// the kth group of -h2-streams-per-conn of a node's streams shares one
// transport, and a stream keeps its group when it reconnects to the next
// node. So every connection carries -h2-streams-per-conn streams, before
// and after a storm moved them all. The tool's cost per stream is its
// reader goroutine and the transport's stream state and buffers; one
// goroutine per connection reads its frames.

// H2Pool holds the transports of an HTTP/2 run, by group and node.
type H2Pool struct {
	perConn int
	nodes   []Node
	trs     []*http.Transport // group*len(nodes) + node
	dials   atomic.Int64      // connections dialed, for the report
}

// NewH2Pool makes the transports of streams streams over nodes, perConn of
// a node's streams to a connection. A group's connections are dialed from
// the source address of its number, in turn; base is the TLS client
// configuration of https:// nodes (nil: h2c).
func NewH2Pool(streams, perConn int, nodes []Node, dialers []*net.Dialer, base *tls.Config) *H2Pool {
	n := len(nodes)
	groups := ((streams+n-1)/n + perConn - 1) / perConn
	p := &H2Pool{perConn: perConn, nodes: nodes, trs: make([]*http.Transport, groups*n)}
	for g := range groups {
		d := dialers[g%len(dialers)]
		dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
			p.dials.Add(1)
			return d.DialContext(ctx, network, addr)
		}
		for i, node := range nodes {
			p.trs[g*n+i] = newH2Transport(dial, node, base)
		}
	}
	return p
}

// newH2Transport returns a transport that speaks only HTTP/2 to node:
// over TLS for https://, h2c otherwise. Requests name the node by its dial
// address and carry its Host (h2Request), so the certificate is checked
// against the URL's host name here.
func newH2Transport(dial func(ctx context.Context, network, addr string) (net.Conn, error), node Node, base *tls.Config) *http.Transport {
	var protos http.Protocols
	tr := &http.Transport{
		Proxy:              nil, // loopback only, whatever the environment says
		DialContext:        dial,
		DisableCompression: true,
		MaxConnsPerHost:    1, // for HTTP/2: one dial at a time, the others wait and share it
		Protocols:          &protos,
	}
	if node.TLS {
		protos.SetHTTP2(true)
		tr.TLSClientConfig = base.Clone() // the transport sets its NextProtos
		tr.TLSClientConfig.ServerName = node.Name
	} else {
		protos.SetUnencryptedHTTP2(true)
	}
	return tr
}

// transport is the transport of stream idx while it is on node.
func (p *H2Pool) transport(idx, node int) *http.Transport {
	n := len(p.nodes)
	g := idx / n / p.perConn
	return p.trs[g*n+node]
}

// Dials is how many connections the pool dialed.
func (p *H2Pool) Dials() int64 { return p.dials.Load() }

// Close closes the transports' connections once their streams ended.
func (p *H2Pool) Close() {
	for _, tr := range p.trs {
		tr.CloseIdleConnections()
	}
}

// Open opens stream idx for client on node (an index into the pool's
// nodes), resuming after lastID when it is not empty, and waits at most
// ConnectTimeout for the response headers. It returns the event stream and
// the function that ends it: canceling the request fails a pending Read at
// once and resets the HTTP/2 stream, while the connection stays for the
// group's other streams.
func (p *H2Pool) Open(ctx context.Context, idx, node int, client, lastID string) (io.Reader, func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	req, err := h2Request(ctx, p.nodes[node], client, lastID)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	timer := time.AfterFunc(ConnectTimeout, cancel)
	resp, err := p.transport(idx, node).RoundTrip(req)
	if !timer.Stop() {
		err = os.ErrDeadlineExceeded // the headers came too late, or never
	}
	if err == nil {
		err = checkStreamResponse(resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		cancel()
		return nil, nil, err
	}
	return resp.Body, func() { cancel(); resp.Body.Close() }, nil
}

// h2Request is the GET of a stream, sent to the node's dial address with
// the URL's host as its :authority.
func h2Request(ctx context.Context, node Node, client, lastID string) (*http.Request, error) {
	scheme := "http"
	if node.TLS {
		scheme = "https"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+node.Addr+"/sse?id="+url.QueryEscape(client), nil)
	if err != nil {
		return nil, err
	}
	req.Host = node.Host
	req.Header = http.Header{
		"User-Agent":    {"ssebench"},
		"Accept":        {"text/event-stream"},
		"Cache-Control": {"no-cache"},
	}
	if lastID != "" && !strings.ContainsAny(lastID, "\r\n") {
		req.Header.Set("Last-Event-ID", lastID)
	}
	return req, nil
}
