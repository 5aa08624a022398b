package httpapi_test

import (
	"log/slog"
	"net/http"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/jwtauth"
	"github.com/ssehub/ssehub/mercure"
)

const docMercureSecret = "openapi-test-mercure-secret-32by"

// newMercureDocServer is a hub serving Mercure beside its API, with
// publisher and subscriber keys, anonymous subscribers allowed.
func newMercureDocServer(t *testing.T) *docServer {
	t.Helper()
	v, err := jwtauth.New(jwtauth.Config{Secret: []byte(docMercureSecret), OptionalExpiration: true})
	if err != nil {
		t.Fatal(err)
	}
	hub := ssehub.New(ssehub.Config{Logger: slog.New(slog.DiscardHandler)})
	m := mercure.New(hub, mercure.Config{Publisher: v, Subscriber: v, Anonymous: true, MaxDataBytes: 64})
	return &docServer{hub: hub, srv: ssetest.Serve(t, hub, httpapi.New(hub, httpapi.Config{MaxBodyBytes: 4096, Mercure: m}))}
}

// docMercureToken is a Mercure token with claim mercure (publish and
// subscribe selectors).
func docMercureToken(t *testing.T, claim map[string][]string) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"mercure": claim}).SignedString([]byte(docMercureSecret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mercureCases are the Mercure routes' cases, on server "mercure".
func mercureCases(t *testing.T) []apiCase {
	pub := "Bearer " + docMercureToken(t, map[string][]string{"publish": {"*"}})
	narrow := "Bearer " + docMercureToken(t, map[string][]string{"publish": {"https://example.com/books/1"}})
	sub := docMercureToken(t, map[string][]string{"subscribe": {"*"}})
	auth := "Authorization"
	m := func(method, path string, want int, header []string, body string, req verdict) apiCase {
		return apiCase{server: "mercure", method: method, path: path, header: header, body: body, want: want, req: req}
	}
	form := func(h ...string) []string { return append([]string{"Content-Type", formCT}, h...) }
	const path = "/.well-known/mercure"
	return []apiCase{
		m("GET", path+"?topic=https://example.com/books/{id}", http.StatusOK, nil, "", docAccepts),
		m("GET", path+"?topic=*&authorization="+sub, http.StatusOK, nil, "", docAccepts),
		m("GET", path+"?topic=*", http.StatusOK, []string{auth, "Bearer " + sub}, "", docAccepts),
		m("GET", path+"?topic=*", http.StatusOK, []string{"Cookie", mercure.CookieName + "=" + sub}, "", docAccepts),
		m("GET", path, http.StatusBadRequest, nil, "", docRefuses),
		m("GET", path+"?topic=*", http.StatusUnauthorized, []string{auth, "Bearer not-a-token-but-long-enough-to-be-parsed-xxxxxxxx"}, "", docAccepts),
		m("POST", path, http.StatusOK, form(auth, pub), "topic=https://example.com/books/1&data=hi&id=book-1&type=update&retry=1000", docAccepts),
		m("POST", path, http.StatusOK, form(auth, pub), "topic=a&topic=b&data=hi&private=on", docAccepts),
		m("POST", path, http.StatusConflict, form(auth, pub), "topic=a&data=again&id=book-1", docAccepts),
		m("POST", path, http.StatusBadRequest, form(auth, pub), "topic=a&id=1765000000000000", docAccepts),
		m("POST", path, http.StatusUnauthorized, form(), "topic=a&data=hi", docAccepts),
		m("POST", path, http.StatusUnauthorized, form(auth, narrow), "topic=https://example.com/books/2", docAccepts),
		m("POST", path, http.StatusBadRequest, form(auth, pub), "data=no-topic", docRefuses),
		m("POST", path, http.StatusBadRequest, form(auth, pub), "topic=a&retry=soon", docAccepts),
		m("POST", path, http.StatusBadRequest, form(auth, pub), "topic=a&id=x%0Ay", docAccepts),
		m("POST", path, http.StatusForbidden, form(auth, pub), "topic=https://example.com/.well-known/mercure/subscriptions/x", docAccepts),
		m("POST", path, http.StatusRequestEntityTooLarge, form(auth, pub), "topic=a&data=0123456789012345678901234567890123456789012345678901234567890123456789", docAccepts),
		m("POST", path, http.StatusForbidden, form(auth, pub, "Sec-Fetch-Site", "cross-site"), "topic=a", docAccepts),
		m("PUT", path, http.StatusMethodNotAllowed, nil, "", docAccepts),
		m("GET", path+"/subscriptions", http.StatusNotFound, []string{auth, "Bearer " + sub}, "", docAccepts),
		m("GET", path+"/subscriptions/%2A", http.StatusNotFound, []string{auth, "Bearer " + sub}, "", docAccepts),
		m("GET", path+"/subscriptions/%2A/urn%3Auuid%3Ax", http.StatusNotFound, []string{auth, "Bearer " + sub}, "", docAccepts),
	}
}
