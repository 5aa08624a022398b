package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
)

// With https:// URLs every stream and publish runs over TLS: an HTTP/1.1
// stream is the same raw connection and hand-written request as over
// plain TCP, inside a tls.Conn; an HTTP/2 stream gets TLS from net/http's
// transport (h2.go), with ALPN. A test hub usually has a self-signed
// certificate: -ca names it (or the CA that signed it), -insecure skips
// the check altogether.

// clientTLS returns the run's TLS client configuration, without a server
// name (each node's copy gets its own, withTLS), or nil for http:// URLs.
// Session tickets are kept, as a browser keeps them: a reconnect storm over
// TLS resumes sessions rather than paying a full handshake per stream.
func clientTLS(cfg *Config, https bool) (*tls.Config, error) {
	if !https {
		return nil, nil
	}
	c := &tls.Config{
		InsecureSkipVerify: cfg.Insecure,
		ClientSessionCache: tls.NewLRUClientSessionCache(0),
		MinVersion:         tls.VersionTLS12,
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("-ca: %v", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-ca %s: no PEM certificate in it", cfg.CAFile)
		}
	}
	return c, nil
}

// withTLS gives each https:// node its own copy of base for the raw
// HTTP/1.1 clients, naming the host its certificate must be for (the
// URL's, even when it is localhost and the tool dials 127.0.0.1), and
// offering only HTTP/1.1 by ALPN, so that a hub also serving HTTP/2
// answers their hand-written HTTP/1.1 requests in kind.
func withTLS(ts []target, base *tls.Config) {
	for i := range ts {
		if ts[i].tls {
			c := base.Clone()
			c.ServerName = ts[i].name
			c.NextProtos = []string{"http/1.1"}
			ts[i].tlsConf = c
		}
	}
}

// startTLS runs the TLS handshake over nc, a fresh connection to a node,
// with the node's conf and returns the TLS connection. The caller closes
// nc on error.
func startTLS(ctx context.Context, nc net.Conn, conf *tls.Config) (*tls.Conn, error) {
	tc := tls.Client(nc, conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}
