package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/jwtauth"
	"github.com/ssehub/ssehub/mercure"
)

// A Mercure subscriber's presence (GET /clients/{id}, with its selectors
// and payload) and the subscriptions API's answers are what the document's
// schemas say.
func TestOpenAPIMercureSubscriptions(t *testing.T) {
	d := loadAPIDoc(t)
	v, err := jwtauth.New(jwtauth.Config{Secret: []byte(docSecret), OptionalExpiration: true})
	if err != nil {
		t.Fatal(err)
	}
	hub := ssehub.New(ssehub.Config{})
	m := mercure.New(hub, mercure.Config{Subscriber: v, Subscriptions: true})
	srv := ssetest.Serve(t, hub, httpapi.New(hub, httpapi.Config{Mercure: m}))
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"mercure": map[string]any{
		"subscribe": []string{"/.well-known/mercure/subscriptions{/topic}{/subscriber}"},
		"payload":   map[string]any{"user": "alice", "groups": []int{1, 2}},
	}}).SignedString([]byte(docSecret))
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Authorization": {"Bearer " + token}}
	ssetest.Open(t, srv.Client(), srv.URL+"/.well-known/mercure?topic="+url.QueryEscape("https://example.com/books/{id}"), h)

	var list struct {
		Subscriptions []struct {
			ID, Subscriber string
		}
	}
	var body []byte
	ssetest.Eventually(t, "the subscriber listed", func() bool {
		body = getOK(t, srv, "/.well-known/mercure/subscriptions", h)
		return json.Unmarshal(body, &list) == nil && len(list.Subscriptions) == 1
	})
	d.checkSchema(t, "MercureSubscriptions", body)
	d.checkSchema(t, "MercureSubscription", getOK(t, srv, list.Subscriptions[0].ID, h))
	clients := getOK(t, srv, "/clients/"+url.PathEscape(list.Subscriptions[0].Subscriber), nil)
	d.checkSchema(t, "ClientStreams", clients)
	if !strings.Contains(string(clients), `"selectors":["https://example.com/books/{id}"]`) || !strings.Contains(string(clients), `"payload":{"groups":[1,2],"user":"alice"}`) {
		t.Errorf("GET /clients/{id} of a Mercure subscriber: %s, want its selectors and payload", clients)
	}
}

// getOK GETs path on srv with header and returns the body of a 200.
func getOK(t *testing.T, srv *httptest.Server, path string, header http.Header) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}
