package ssehub

import (
	"crypto/tls"
	"net"

	"github.com/ssehub/ssehub/internal/socket"
)

// TLSListener returns a listener that serves TLS over inner with cfg, as
// tls.NewListener does, for an http.Server serving a Hub. Through it, a
// taken-over HTTP/1.1 stream over TLS costs what a plain one does: its
// writes never wait for the client (the hub's few writers serve every
// stream) and a client's hang-up is noticed at once. Over an application's
// own TLS listener streams work all the same, but each write to a client
// that is slow to take it waits on a goroutine of its own. Add "h2" to
// cfg.NextProtos (and HTTP/2 to the server's Protocols) to offer HTTP/2,
// whose streams stay on net/http's handlers.
func TLSListener(inner net.Listener, cfg *tls.Config) net.Listener {
	return socket.TLSListener(inner, cfg)
}
