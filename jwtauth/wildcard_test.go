package jwtauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/jwtauth"
)

// A topics claim entry ending in "*" is a prefix ("*" alone: any topic);
// any other entry is one topic.
func TestTopicsClaimPatterns(t *testing.T) {
	v := mustVerifier(t, jwtauth.Config{Secret: secret})
	cases := []struct {
		claim          []string
		allows, denies []string
	}{
		{[]string{"news*"}, []string{"news", "news-secret", "news/today"}, []string{"new", "sports", "xnews"}},
		{[]string{"news/*"}, []string{"news/", "news/today"}, []string{"news", "news-secret"}},
		{[]string{"*"}, []string{"a", "news-secret", "room-1"}, nil},
		{[]string{"room-1"}, []string{"room-1"}, []string{"room-10", "room-"}},
		// A "*" before the end can only match a topic with a "*", which
		// the hub refuses (TestClaimWildcardIsNoTopic): no topic.
		{[]string{"a*b", "news**"}, nil, []string{"ab", "axb", "a-b", "news", "newsx", "news-secret"}},
	}
	for _, c := range cases {
		claims := valid("alice")
		claims["topics"] = c.claim
		r := request("token=" + mint(t, jwt.SigningMethodHS256, secret, claims))
		for _, topic := range c.allows {
			if _, err := v.Authorize(r, ssehub.Subscription{Topics: []string{topic}}); err != nil {
				t.Errorf("claim %q, topic %q: %v, want it allowed", c.claim, topic, err)
			}
		}
		for _, topic := range c.denies {
			if _, err := v.Authorize(r, ssehub.Subscription{Topics: []string{topic}}); !errors.Is(err, ssehub.ErrForbidden) {
				t.Errorf("claim %q, topic %q: %v, want ErrForbidden", c.claim, topic, err)
			}
		}
	}
}

// Over a hub: a claim "news*" opens "news-secret", and no topic containing
// "*" can be subscribed, whatever the claim allows (400 naming the topic).
func TestClaimWildcardIsNoTopic(t *testing.T) {
	v := mustVerifier(t, jwtauth.Config{Secret: secret})
	hub := ssehub.New(ssehub.Config{Authorizer: v, Logger: slog.New(slog.DiscardHandler)})
	srv := ssetest.Serve(t, hub, hub)
	client := srv.Client()
	token := func(topics ...string) string {
		c := valid("alice")
		c["topics"] = topics
		return mint(t, jwt.SigningMethodHS256, secret, c)
	}
	get := func(tok string, topics ...string) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
		defer cancel()
		q := url.Values{"token": {tok}, "topic": topics}
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/?"+q.Encode(), nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET ?topic=%q: %v", topics, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return resp.StatusCode, "" // a stream: closed unread
		}
		b, _ := io.ReadAll(resp.Body)
		var e struct{ Error string }
		json.Unmarshal(b, &e)
		return resp.StatusCode, e.Error
	}

	if code, msg := get(token("news*"), "news-secret"); code != http.StatusOK {
		t.Errorf(`claim "news*", topic "news-secret": %d %q, want 200 (a prefix)`, code, msg)
	}
	for _, c := range []struct{ claim, topic string }{
		{"news*", "news*"}, {"news*", "news**"}, {"*", "*"}, {"*", "room*"}, {"a*b", "a*b"},
	} {
		code, msg := get(token(c.claim), c.topic)
		if code != http.StatusBadRequest || !strings.Contains(msg, `topic "`+c.topic+`"`) || !strings.Contains(msg, `"*"`) {
			t.Errorf("claim %q, topic %q: %d %q, want 400 naming the topic and its \"*\"", c.claim, c.topic, code, msg)
		}
	}
	ssetest.Eventually(t, "the streams to close", func() bool { return hub.Stats().Streams == 0 })
}
