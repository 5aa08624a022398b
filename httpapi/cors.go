package httpapi

import (
	"net/http"
	"slices"
)

// cors lets the browser pages of the allowed origins read event streams:
// it answers their preflight requests (sent by EventSource polyfills that
// set Last-Event-ID themselves) and marks their streams readable.
func (c Config) cors(h http.Handler) http.Handler {
	return c.corsFor(h, "GET", "Last-Event-ID, Cache-Control", true)
}

// corsMercure lets the allowed origins' pages subscribe with Mercure
// (any origin when "*" is allowed), with a token in the Authorization
// header or the cookie, and publish (their POST is then subject to the
// cross-origin guard, which trusts only origins listed by name).
func (c Config) corsMercure(h http.Handler) http.Handler {
	return c.corsFor(h, "GET, POST", "Authorization, Content-Type, Last-Event-ID, Cache-Control", true)
}

// corsAPI lets the pages of the origins listed by name (never "*") call a
// route that changes state or needs the publish key: methods, with the
// headers a publisher sends.
func (c Config) corsAPI(h http.Handler, methods string) http.Handler {
	return c.corsFor(h, methods, "Authorization, Content-Type, Idempotency-Key", false)
}

// corsFor answers preflights for methods and headers and marks responses
// readable by the allowed origins; anyOrigin says whether "*" counts.
// Credentials (cookies) go only to an origin listed by name.
func (c Config) corsFor(h http.Handler, methods, headers string, anyOrigin bool) http.Handler {
	if len(c.AllowOrigins) == 0 {
		return h
	}
	star := anyOrigin && slices.Contains(c.AllowOrigins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := true
		switch {
		case origin == "":
			allowed = false
		case slices.Contains(c.AllowOrigins, origin):
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Allow-Credentials", "true") // EventSource withCredentials, cookies
			w.Header().Add("Vary", "Origin")
		case star:
			w.Header().Set("Access-Control-Allow-Origin", "*")
		default:
			allowed = false
		}
		if allowed && r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.Header().Set("Access-Control-Allow-Methods", methods)
			w.Header().Set("Access-Control-Allow-Headers", headers)
			w.Header().Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}
