package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/sse"
)

// The keys of the Mercure hubs these tests start: publishers and
// subscribers have their own, as in a Mercure deployment.
const (
	mercurePubKey = "mercure-publisher-key-of-32-bytes!"
	mercureSubKey = "mercure-subscriber-key-of-32-bytes"
)

// startMercureHub runs the binary in Mercure mode with both keys,
// anonymous subscribers allowed, and args.
func startMercureHub(t *testing.T, args ...string) *hubProcess {
	t.Helper()
	return startHub(t, append([]string{"-mercure", "-mercure-anonymous",
		"-mercure-publisher-jwt-key", mercurePubKey, "-mercure-subscriber-jwt-key", mercureSubKey}, args...)...)
}

// mercureToken mints a Mercure token signed with key whose mercure claim
// has publish and subscribe selectors.
func mercureToken(t *testing.T, key string, publish, subscribe []string) string {
	t.Helper()
	claim := map[string]any{}
	if publish != nil {
		claim["publish"] = publish
	}
	if subscribe != nil {
		claim["subscribe"] = subscribe
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"mercure": claim, "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mercurePublisher is a token that may publish to every topic.
func mercurePublisher(t *testing.T) string {
	return mercureToken(t, mercurePubKey, []string{"*"}, nil)
}

// mercurePost publishes a form (name, value, ...) with the headers given
// and returns the status and body.
func (p *hubProcess) mercurePost(t *testing.T, kv []string, header ...string) (int, string) {
	t.Helper()
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	req, err := http.NewRequest("POST", p.url+"/.well-known/mercure", strings.NewReader(v.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatalf("POST /.well-known/mercure: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// mercurePublish publishes with a token that may publish anywhere and
// returns the update's id, failing the test unless it is a 200.
func (p *hubProcess) mercurePublish(t *testing.T, kv ...string) string {
	t.Helper()
	code, body := p.mercurePost(t, kv, "Authorization", "Bearer "+mercurePublisher(t))
	if code != http.StatusOK || body == "" {
		t.Fatalf("Mercure publish %q: %d %q\n%s", kv, code, body, p.stderr)
	}
	return body
}

// mercureOpen opens a Mercure subscription: query holds its topic
// selectors (and more), header its Last-Event-ID or token, if any.
func (p *hubProcess) mercureOpen(t *testing.T, query string, header ...string) *ssetest.Stream {
	t.Helper()
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Add(header[i], header[i+1])
	}
	return ssetest.OpenRegistered(t, p.client, p.url+"/.well-known/mercure?"+query, h)
}

// selectors encodes topic selectors as a query.
func selectors(s ...string) string {
	v := url.Values{"topic": s}
	return v.Encode()
}

// endTopic is a topic every stream of a test subscribes to, and the last
// update published to it: a stream that receives it has received
// everything before it, so that what it got until then is exactly what it
// was sent.
const endTopic = "urn:test:end"

// untilEnd reads s's events up to the one on endTopic (data "end"), and
// returns those before it.
func untilEnd(t *testing.T, s *ssetest.Stream) []sse.Event {
	t.Helper()
	var got []sse.Event
	for {
		ev := s.Next(t)
		if ev.Data == "end" {
			return got
		}
		got = append(got, ev)
	}
}

// datas returns the data of each event.
func datas(evs []sse.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Data
	}
	return out
}
