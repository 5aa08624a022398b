package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// publishGuard protects the routes that change state (publishing, /ping):
// with publish keys configured, a request must carry one of them as a
// bearer token; with or without, a browser page of another origin may not
// use them (cross-site request forgery), unless its origin is listed in
// Config.AllowOrigins explicitly ("*" lets pages read streams, never
// publish). Without keys, it also refuses requests for a Host that is not
// an IP address, localhost or a name of Config.AllowHosts (DNS rebinding).
type publishGuard struct {
	keys  [][sha256.Size]byte // the keys' digests: compared in constant time, whatever their lengths
	csrf  *http.CrossOriginProtection
	hosts map[string]bool // Config.AllowHosts, in lower case without a final dot
}

func newPublishGuard(cfg Config) *publishGuard {
	g := &publishGuard{csrf: http.NewCrossOriginProtection(), hosts: make(map[string]bool)}
	for _, h := range cfg.AllowHosts {
		g.hosts[hostKey(h)] = true
	}
	for _, k := range cfg.PublishKeys {
		g.keys = append(g.keys, sha256.Sum256([]byte(k)))
	}
	for _, o := range cfg.AllowOrigins {
		if o != "*" {
			_ = g.csrf.AddTrustedOrigin(o) // validated by whoever made cfg; a bad one trusts nothing
		}
	}
	g.csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, "cross-origin request refused: a browser page of another origin may not publish (list its origin in -allow-origin to let it)")
	}))
	return g
}

// wrap guards h.
func (g *publishGuard) wrap(h http.Handler) http.Handler {
	return g.csrf.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(g.keys) == 0 && !g.hostAllowed(r.Host) {
			writeError(w, http.StatusForbidden, "Host "+strconv.Quote(r.Host)+" refused: without a publish key, publishing and the admin routes answer only requests for an IP address or localhost, as a page of a name that resolves to this hub (DNS rebinding) would use any other; list this name with -allow-host, or set -publish-key")
			return
		}
		if code, msg := g.authorize(r); code != 0 {
			if code == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="ssehub publish"`)
			}
			writeError(w, code, msg)
			return
		}
		h.ServeHTTP(w, r)
	}))
}

// authorize checks the request's publish key, if keys are configured: 401
// without one, 403 with a wrong one, 0 when it may go on.
func (g *publishGuard) authorize(r *http.Request) (code int, msg string) {
	if len(g.keys) == 0 {
		return 0, ""
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return http.StatusUnauthorized, "publish key required: send Authorization: Bearer <key>"
	}
	got := sha256.Sum256([]byte(token))
	match := 0
	for _, k := range g.keys { // every key, so that the time says nothing of which matched
		match |= subtle.ConstantTimeCompare(got[:], k[:])
	}
	if match != 1 {
		return http.StatusForbidden, "wrong publish key"
	}
	return 0, ""
}

// hostAllowed reports whether an open hub (no publish keys) answers
// publishing and admin requests for host (the Host header, with or without
// a port). A browser page can reach a hub on a laptop's loopback through a
// DNS name its author controls, resolved to 127.0.0.1 (DNS rebinding): its
// requests are then same-origin, so the cross-origin check passes them,
// but their Host is that name. An IP literal cannot be rebound, and
// browsers resolve localhost and *.localhost to loopback themselves; any
// other name must be listed (Config.AllowHosts). An empty Host (HTTP/1.0)
// names nothing to rebind.
func (g *publishGuard) hostAllowed(host string) bool {
	name := hostKey(host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = hostKey(h)
	}
	name = strings.TrimSuffix(strings.TrimPrefix(name, "["), "]")
	if _, err := netip.ParseAddr(name); err == nil {
		return true
	}
	return name == "" || name == "localhost" || strings.HasSuffix(name, ".localhost") || g.hosts[name]
}

// hostKey is a host name as hostAllowed compares it: lower case, without
// the final dot of a fully qualified name.
func hostKey(h string) string { return strings.ToLower(strings.TrimSuffix(h, ".")) }
