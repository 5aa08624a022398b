package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// With https:// URLs every stream and publish runs over TLS
// (internal/loadconn). A test hub usually has a self-signed certificate:
// -ca names it (or the CA that signed it), -insecure skips the check
// altogether.

// clientTLS returns the run's TLS client configuration, without a server
// name (each node's copy gets its own, loadconn.ConfigureTLS), or nil for
// http:// URLs.
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
