package ssehub_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// authorizerFunc is an Authorizer made of a function.
type authorizerFunc func(r *http.Request, asked ssehub.Subscription) (ssehub.Subscription, error)

func (f authorizerFunc) Authorize(r *http.Request, asked ssehub.Subscription) (ssehub.Subscription, error) {
	return f(r, asked)
}

// With an Authorizer, ServeHTTP opens only the streams it allows, for the
// subscription it returns, and ends each when that subscription expires.
func TestAuthorizer(t *testing.T) {
	auth := authorizerFunc(func(r *http.Request, asked ssehub.Subscription) (ssehub.Subscription, error) {
		user := r.Header.Get("X-User")
		switch {
		case user == "":
			return ssehub.Subscription{}, fmt.Errorf("%w: who are you?", ssehub.ErrUnauthorized)
		case asked.Client != "" && asked.Client != user:
			return ssehub.Subscription{}, fmt.Errorf("%w: not yours", ssehub.ErrForbidden)
		}
		return ssehub.Subscription{Client: user, Topics: asked.Topics, Expires: time.Now().Add(300 * time.Millisecond)}, nil
	})
	forEachMode(t, ssehub.Config{Authorizer: auth}, func(t *testing.T, e *env) {
		defer e.client.CloseIdleConnections()
		for _, c := range []struct {
			query, header string
			code          int
		}{
			{"id=alice", "", http.StatusUnauthorized},
			{"id=bob", "X-User: alice", http.StatusForbidden},
		} {
			req, _ := http.NewRequest("GET", e.srv.URL+"/?"+c.query, nil)
			if name, value, ok := strings.Cut(c.header, ": "); ok {
				req.Header.Set(name, value)
			}
			resp, err := e.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.code || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s %s: %d %s, want %d with a JSON error", c.query, c.header, resp.StatusCode, resp.Header.Get("Content-Type"), c.code)
			}
		}
		s := e.open(t, "topic=x", "X-User: alice") // no id: the Authorizer's client
		e.publish(t, ssehub.Message{Clients: []string{"alice"}, Data: []byte("to alice")})
		s.Expect(t, "to alice")
		start := time.Now()
		if _, err := s.Ended(t); err == nil {
			t.Fatal("the stream did not end")
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("the stream ended %v after its expiry, want within about a second", d)
		}
		ssetest.Eventually(t, "expiry counted", func() bool { return e.hub.Stats().Expiries >= 1 })
	})
}
