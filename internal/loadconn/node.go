package loadconn

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

// Node is one node of the hub under load, from a checked loopback URL.
type Node struct {
	Base      string      // scheme://host:port, no trailing slash
	Host      string      // Host header value
	Name      string      // host name or IP address the hub's certificate must name
	Addr      string      // dial address host:port, with localhost resolved
	IP        net.IP      // the hub's IP address
	TLS       bool        // https
	TLSConfig *tls.Config // https: the raw HTTP/1.1 clients' configuration for this node (ConfigureTLS)
}

// SourceAddrs returns the local addresses streams are dialed from in turn:
// k of them from 127.0.0.first. One source address reaches about 28,000
// connections to one port. An IPv6 hub (::1) is reached from ::1 only.
func SourceAddrs(hub net.IP, first, k int) []net.IP {
	if hub.To4() == nil {
		return []net.IP{net.IPv6loopback}
	}
	out := make([]net.IP, k)
	for i := range out {
		out[i] = net.IPv4(127, 0, 0, byte(first+i))
	}
	return out
}

// ConnectTimeout bounds the dial plus the wait for the response headers.
const ConnectTimeout = 15 * time.Second

// NewDialers returns one dialer per source address.
func NewDialers(srcs []net.IP) []*net.Dialer {
	ds := make([]*net.Dialer, len(srcs))
	for i, ip := range srcs {
		ds[i] = &net.Dialer{
			LocalAddr: &net.TCPAddr{IP: ip},
			Timeout:   ConnectTimeout,
			KeepAlive: -1, // loopback: no keep-alive probes
			Control:   bindAddressNoPort,
		}
	}
	return ds
}

// With https:// URLs every stream and publish runs over TLS: an HTTP/1.1
// stream is the same raw connection and hand-written request as over
// plain TCP, inside a tls.Conn; an HTTP/2 stream gets TLS from net/http's
// transport (h2.go), with ALPN.

// ConfigureTLS gives each https:// node its own copy of base for the raw
// HTTP/1.1 clients, naming the host its certificate must be for (the
// URL's, even when it is localhost and the tool dials 127.0.0.1), and
// offering only HTTP/1.1 by ALPN, so that a hub also serving HTTP/2
// answers their hand-written HTTP/1.1 requests in kind.
func ConfigureTLS(nodes []Node, base *tls.Config) {
	for i := range nodes {
		if nodes[i].TLS {
			c := base.Clone()
			c.ServerName = nodes[i].Name
			c.NextProtos = []string{"http/1.1"}
			nodes[i].TLSConfig = c
		}
	}
}

// StartTLS runs the TLS handshake over nc, a fresh connection to a node,
// with the node's conf and returns the TLS connection. The caller closes
// nc on error.
func StartTLS(ctx context.Context, nc net.Conn, conf *tls.Config) (*tls.Conn, error) {
	tc := tls.Client(nc, conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}
