package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// slashRoot sends a request for the API's root without its trailing slash
// to the root with it. Mounted under a prefix with http.StripPrefix("/hub",
// api), a request for /hub reaches the API with an empty path, which the
// mux would redirect to "/": the application's root, not the hub's. The
// demo page must be at /hub/, as its routes are relative to its own URL
// ("sse" from /hub/ is /hub/sse; from /hub it would be /sse).
func slashRoot(next http.Handler) http.Handler {
	redirect := allow("GET", http.HandlerFunc(redirectToSlash))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" {
			redirect.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// redirectToSlash answers a request whose path the prefix took whole. The
// prefix is not known here, only the URL the client asked for (RequestURI,
// which StripPrefix leaves as it was): the redirect is relative to it,
// "./hub/" from /hub, so it cannot lead to another site. A URL that already
// ends in "/" (a prefix stripped with its slash, which leaves every route
// without its leading one) has no page to lead to.
func redirectToSlash(w http.ResponseWriter, r *http.Request) {
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil || u.Path == "" {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	if strings.HasSuffix(u.Path, "/") {
		writeError(w, http.StatusNotFound, fmt.Sprintf("not found: stripped of %q, the hub's routes lose their leading \"/\"; strip %q instead", u.Path, strings.TrimSuffix(u.Path, "/")))
		return
	}
	p := u.EscapedPath()
	loc := "./" + p[strings.LastIndex(p, "/")+1:] + "/"
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	// As the mux does for /tree → /tree/; http.Redirect would resolve loc
	// against the stripped (empty) path.
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusTemporaryRedirect)
}
