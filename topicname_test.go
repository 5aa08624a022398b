package ssehub_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

// starred are topics a "*" makes invalid: a token's topics claim reads a
// trailing "*" as a prefix, so no topic may hold one anywhere.
var starred = []string{"news*", "*", "a*b", "*news", "news/**"}

// A topic containing "*" is refused everywhere a topic is named: in
// messages (Publish, PublishBatch) and in streams (the query, ServeStream).
func TestTopicWithStarRefused(t *testing.T) {
	e := start(t, ssehub.Config{}, modes[0])
	defer e.client.CloseIdleConnections()
	s := e.open(t, "id=a&topic=news")
	for _, topic := range starred {
		_, err := e.hub.Publish(t.Context(), ssehub.Message{Topics: []string{"news", topic}, Data: []byte("x")})
		wantStarError(t, "Publish", err, topic)
		_, err = e.hub.PublishBatch(t.Context(), []ssehub.Message{{Topics: []string{"news"}}, {Topics: []string{topic}}})
		wantStarError(t, "PublishBatch", err, topic)
		if err != nil && !strings.Contains(err.Error(), "message 1") {
			t.Errorf("PublishBatch: %q does not name message 1", err)
		}
	}
	s.ExpectNone(t, 50*time.Millisecond)

	served := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hub.ServeStream(w, r, ssehub.Subscription{Client: "a", Topics: r.URL.Query()["topic"]})
	}))
	defer served.Close()
	for _, topic := range starred {
		q := url.Values{"id": {"a"}, "topic": {"news", topic}}.Encode()
		wantStreamRefused(t, e.client, e.srv.URL+"/?"+q, topic)
		wantStreamRefused(t, served.Client(), served.URL+"/?"+q, topic)
	}
	if n := localConns(e.hub, "a"); n != 1 {
		t.Errorf("client a has %d streams, want only the first one", n)
	}
	// Without the "*" the same topics are fine.
	e.publish(t, ssehub.Message{Topics: []string{"news"}, Data: []byte("still served")})
	s.Expect(t, "still served")
}

func wantStarError(t *testing.T, what string, err error, topic string) {
	t.Helper()
	if !errors.Is(err, ssehub.ErrInvalid) {
		t.Errorf("%s with topic %q: %v, want ErrInvalid", what, topic, err)
		return
	}
	if msg := err.Error(); !strings.Contains(msg, `"*"`) || !strings.Contains(msg, "topic "+strconv.Quote(topic)) {
		t.Errorf("%s with topic %q: %q does not name the topic and the \"*\"", what, topic, msg)
	}
}

// wantStreamRefused requires GET u to be a 400 with a JSON error naming the
// topic and the "*".
func wantStreamRefused(t *testing.T, c *http.Client, u, topic string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("GET %s: %d %s, want 400 with a JSON error", u, resp.StatusCode, resp.Header.Get("Content-Type"))
		return
	}
	b, _ := io.ReadAll(resp.Body)
	var body struct{ Error string }
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("GET %s: body %q: %v", u, b, err)
	}
	if !strings.Contains(body.Error, "topic "+strconv.Quote(topic)) || !strings.Contains(body.Error, `"*"`) {
		t.Errorf("GET %s: error %q does not name the topic and the \"*\"", u, body.Error)
	}
}
