package httpapi_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/jwtauth"
	"github.com/ssehub/ssehub/mercure"
)

// Mounted in the API, Mercure follows -allow-origin: pages of the allowed
// origins may subscribe (preflights answered, for EventSource polyfills
// that send Authorization) and those listed by name may publish; a page of
// another origin may not publish (cross-site request forgery), whatever
// its token.
func TestMercureMountedCORS(t *testing.T) {
	v, err := jwtauth.New(jwtauth.Config{Secret: []byte(docMercureSecret), OptionalExpiration: true})
	if err != nil {
		t.Fatal(err)
	}
	hub := ssehub.New(ssehub.Config{Logger: slog.New(slog.DiscardHandler)})
	m := mercure.New(hub, mercure.Config{Publisher: v, Subscriber: v, Anonymous: true})
	srv := ssetest.Serve(t, hub, httpapi.New(hub, httpapi.Config{AllowOrigins: []string{"https://app.example.com"}, Mercure: m}))
	tok := docMercureToken(t, map[string][]string{"publish": {"*"}})
	send := func(method, origin string, header ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+"/.well-known/mercure?topic=a", strings.NewReader("topic=a&data=x"))
		req.Header.Set("Origin", origin)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	pre := send("OPTIONS", "https://app.example.com", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization")
	if pre.StatusCode != 204 || pre.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		!strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight from the allowed origin: %d %v", pre.StatusCode, pre.Header)
	}
	form := []string{"Content-Type", "application/x-www-form-urlencoded", "Authorization", "Bearer " + tok}
	if r := send("POST", "https://app.example.com", form...); r.StatusCode != 200 {
		t.Errorf("publish from the allowed origin: %d, want 200", r.StatusCode)
	}
	if r := send("POST", "https://evil.example", append(form, "Sec-Fetch-Site", "cross-site")...); r.StatusCode != 403 {
		t.Errorf("publish from another origin: %d, want 403", r.StatusCode)
	}
}
