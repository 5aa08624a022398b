package mercure_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub/mercure"
)

// The subscriber's refusals, as the Mercure hub's: the token first (401,
// an invalid one even on an anonymous hub), then the topics (400).
func TestSubscribeRefusals(t *testing.T) {
	keyed := newTestHub(t, mercure.Config{})
	anon := newTestHub(t, mercure.Config{Anonymous: true})
	sub := token(t, subKey, map[string]any{"subscribe": []string{"*"}})
	pubSigned := token(t, pubKey, map[string]any{"subscribe": []string{"*"}})
	expired := token(t, subKey, map[string]any{"subscribe": []string{"*"}}, "exp", time.Now().Add(-time.Minute).Unix())
	many := mercure.Path + "?topic=a" + strings.Repeat("&topic=a", 1000)
	cases := []struct {
		name   string
		h      *testHub
		path   string
		header []string
		status int
		body   string
	}{
		{"no token", keyed, mercure.Path + "?topic=a", nil, 401, "Unauthorized\n"},
		{"no token, no topic", keyed, mercure.Path, nil, 401, "Unauthorized\n"},
		{"token of the publisher key", keyed, mercure.Path + "?topic=a", []string{"Authorization", "Bearer " + pubSigned}, 401, "Unauthorized\n"},
		{"expired token", keyed, mercure.Path + "?topic=a", []string{"Authorization", "Bearer " + expired}, 401, "Unauthorized\n"},
		{"invalid token, anonymous hub", anon, mercure.Path + "?topic=a", []string{"Authorization", "Bearer " + pubSigned}, 401, "Unauthorized\n"},
		{"invalid query token, anonymous hub", anon, mercure.Path + "?topic=a&authorization=" + url.QueryEscape(expired), nil, 401, "Unauthorized\n"},
		{"invalid cookie, anonymous hub", anon, mercure.Path + "?topic=a", []string{"Cookie", mercure.CookieName + "=" + pubSigned}, 401, "Unauthorized\n"},
		{"valid token, no topic", keyed, mercure.Path, []string{"Authorization", "Bearer " + sub}, 400, "Missing \"topic\" parameter.\n"},
		{"anonymous, no topic", anon, mercure.Path + "?lastEventID=x", nil, 400, "Missing \"topic\" parameter.\n"},
		{"too many topics", anon, many, nil, 400, "Too many \"topic\" parameters.\n"},
		{"malformed query", anon, mercure.Path + "?topic=%zz", nil, 400, "malformed query\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := c.h.get(t, c.path, c.header...)
			if a.status != c.status || a.body != c.body {
				t.Errorf("answer %d %q, want %d %q", a.status, a.body, c.status, c.body)
			}
		})
	}
}

// A subscriber with a valid token, or none on an anonymous hub, gets its
// stream.
func TestSubscribeOpens(t *testing.T) {
	keyed := newTestHub(t, mercure.Config{})
	anon := newTestHub(t, mercure.Config{Anonymous: true})
	sub := token(t, subKey, map[string]any{"subscribe": []string{"*"}})
	for name, c := range map[string]struct {
		h      *testHub
		path   string
		header []string
	}{
		"header":                 {keyed, mercure.Path + "?topic=a", []string{"Authorization", "Bearer " + sub}},
		"query":                  {keyed, mercure.Path + "?topic=a&authorization=" + sub, nil},
		"cookie":                 {keyed, mercure.Path + "?topic=a", []string{"Cookie", mercure.CookieName + "=" + sub}},
		"anonymous":              {anon, mercure.Path + "?topic=https://example.com/books/{id}&topic=*", nil},
		"anonymous with a token": {anon, mercure.Path + "?topic=a", []string{"Authorization", "Bearer " + sub}},
	} {
		t.Run(name, func(t *testing.T) {
			a := c.h.get(t, c.path, c.header...)
			if a.status != 200 || a.ctype != "text/event-stream" {
				t.Errorf("answer %+v, want a 200 event stream", a)
			}
		})
	}
}
