package mercure

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ssehub/ssehub/jwtauth"
)

// CookieName is the cookie a Mercure token may come in.
const CookieName = "mercureAuthorization"

// QueryParam is the query parameter a Mercure token may come in (a
// browser's EventSource cannot set headers).
const QueryParam = "authorization"

// minTokenLen is the shortest text that can be a signed JWT (as the
// Mercure hub counts it): anything shorter is refused unparsed.
const minTokenLen = 41

var (
	errBadHeader = errors.New(`invalid "Authorization" HTTP header`)
	errBadQuery  = errors.New(`invalid "authorization" query parameter`)
	errNoOrigin  = errors.New(`an "Origin" or a "Referer" HTTP header must be present to publish with the cookie`)
	errOrigin    = errors.New("origin not allowed to publish")
)

// source is where a request's token came from.
type source int

const (
	fromNone source = iota
	fromHeader
	fromQuery
	fromCookie
)

// tokenOf returns the request's token from the first place that has one,
// in the Mercure hub's order: the Authorization header, the query
// parameter, the cookie. A header or parameter that is present but
// malformed is an error, not a fall-through to the next place.
func tokenOf(r *http.Request) (string, source, error) {
	if hs, ok := r.Header["Authorization"]; ok {
		if len(hs) != 1 {
			return "", fromHeader, errBadHeader
		}
		scheme, tok, _ := strings.Cut(hs[0], " ")
		if !strings.EqualFold(scheme, "Bearer") || len(tok) < minTokenLen {
			return "", fromHeader, errBadHeader
		}
		return tok, fromHeader, nil
	}
	if qs, ok := r.URL.Query()[QueryParam]; ok {
		if len(qs) != 1 || len(qs[0]) < minTokenLen {
			return "", fromQuery, errBadQuery
		}
		return qs[0], fromQuery, nil
	}
	if c, err := r.Cookie(CookieName); err == nil {
		return c.Value, fromCookie, nil
	}
	return "", fromNone, nil
}

// authorize returns the claims of r's token verified by v; nil claims and
// no error when r has no token. A token in the cookie may publish only from
// a page of an origin of origins (a form on another site would otherwise
// publish with the visitor's cookie).
func authorize(r *http.Request, v *jwtauth.Verifier, origins []string) (*claims, error) {
	raw, src, err := tokenOf(r)
	if err != nil || src == fromNone {
		return nil, err
	}
	if src == fromCookie && r.Method == http.MethodPost {
		if err := checkOrigin(r, origins); err != nil {
			return nil, err
		}
	}
	if v == nil {
		return nil, errors.New("no key to verify the token")
	}
	var c claims
	if err := v.Verify(raw, &c); err != nil {
		return nil, err
	}
	if err := c.resolve(); err != nil {
		return nil, err
	}
	return &c, nil
}

// checkOrigin checks the origin of a publish by cookie: its Origin
// header, or its Referer's origin.
func checkOrigin(r *http.Request, origins []string) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		ref := r.Header.Get("Referer")
		if ref == "" {
			return errNoOrigin
		}
		u, err := url.Parse(ref)
		if err != nil {
			return fmt.Errorf("unparsable Referer: %w", err)
		}
		origin = u.Scheme + "://" + u.Host
	}
	if !slices.Contains(origins, origin) && !slices.Contains(origins, "*") {
		return fmt.Errorf("%q: %w", origin, errOrigin)
	}
	return nil
}

// unauthorized answers a refused token as the Mercure hub does: 401 with
// its status text, whatever the reason (a reason would help an attacker
// more than a client).
func unauthorized(w http.ResponseWriter) {
	http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
}
