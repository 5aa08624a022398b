package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// publishGuard protects the routes that change state (publishing, /ping):
// with publish keys configured, a request must carry one of them as a
// bearer token; with or without, a browser page of another origin may not
// use them (cross-site request forgery), unless its origin is listed in
// Config.AllowOrigins explicitly ("*" lets pages read streams, never
// publish).
type publishGuard struct {
	keys [][sha256.Size]byte // the keys' digests: compared in constant time, whatever their lengths
	csrf *http.CrossOriginProtection
}

func newPublishGuard(cfg Config) *publishGuard {
	g := &publishGuard{csrf: http.NewCrossOriginProtection()}
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
