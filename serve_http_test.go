package ssehub_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/ssehub/ssehub"
)

// Every reason a stream is refused for is answered with its own status and
// a JSON {"error": ...}: a limit's with Retry-After, an unauthorized one
// with WWW-Authenticate, and each counted in Metrics by its reason.
func TestRefusalAnswers(t *testing.T) {
	auth := authorizerFunc(func(r *http.Request, asked ssehub.Subscription) (ssehub.Subscription, error) {
		user := r.Header.Get("X-User")
		switch {
		case user == "":
			return ssehub.Subscription{}, fmt.Errorf("who are you?")
		case asked.Client != user:
			return ssehub.Subscription{}, fmt.Errorf("%w: not yours", ssehub.ErrForbidden)
		}
		return asked, nil
	})
	full := start(t, ssehub.Config{Authorizer: auth, Limits: ssehub.Limits{MaxStreams: 2, MaxStreamsPerClient: 1}}, modes[0])
	defer full.client.CloseIdleConnections()
	full.open(t, "id=alice", "X-User: alice")
	perAddress := start(t, ssehub.Config{Limits: ssehub.Limits{MaxStreamsPerAddress: 1}}, modes[0])
	defer perAddress.client.CloseIdleConnections()
	perAddress.open(t, "id=alice")

	for _, c := range []struct {
		e            *env
		query, user  string
		why          string
		code         int
		retry, authn string
		wantError    string
	}{
		{full, "id=alice&topics=x", "alice", "invalid", http.StatusBadRequest, "", "", `unknown query parameter "topics" (did you mean "topic"?)`},
		{full, "id=alice", "", "unauthorized", http.StatusUnauthorized, "", `Bearer realm="ssehub"`, "unauthorized: who are you?"},
		{full, "id=bob", "alice", "forbidden", http.StatusForbidden, "", "", "forbidden: not yours"},
		{full, "id=alice", "alice", "client_limit", http.StatusTooManyRequests, "10", "", `client "alice" has 1 streams open, the most one client may have`},
		{perAddress, "id=bob", "", "address_limit", http.StatusTooManyRequests, "10", "", "1 streams are open from this address, the most one address may have"},
	} {
		t.Run(c.why, func(t *testing.T) {
			checkRefusal(t, c.e, c.query, c.user, c.code, c.retry, c.authn, c.wantError)
			if n := c.e.hub.Metrics().Refused[c.why]; n != 1 {
				t.Errorf("Metrics().Refused[%s] = %d, want 1", c.why, n)
			}
		})
	}
	full.open(t, "id=bob", "X-User: bob")
	t.Run("hub_full", func(t *testing.T) {
		checkRefusal(t, full, "id=carol", "carol", http.StatusServiceUnavailable, "10", "", "the hub serves at most 2 streams: try again later")
		if n := full.hub.Metrics().Refused["hub_full"]; n != 1 {
			t.Errorf("Metrics().Refused[hub_full] = %d, want 1", n)
		}
	})
}

// checkRefusal asks e for a stream and checks the refusal's status, its
// Retry-After and WWW-Authenticate headers (empty: none) and its JSON error.
func checkRefusal(t *testing.T, e *env, query, user string, code int, retry, authn, wantError string) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/?"+query, nil)
	if user != "" {
		req.Header.Set("X-User", user)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Error string }
	decodeErr := json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != code || resp.Header.Get("Content-Type") != "application/json" || decodeErr != nil {
		t.Fatalf("GET /?%s as %q: %d %s (%v), want %d with a JSON error", query, user, resp.StatusCode, resp.Header.Get("Content-Type"), decodeErr, code)
	}
	if got := resp.Header.Get("Retry-After"); got != retry {
		t.Errorf("Retry-After %q, want %q", got, retry)
	}
	if got := resp.Header.Get("WWW-Authenticate"); got != authn {
		t.Errorf("WWW-Authenticate %q, want %q", got, authn)
	}
	if body.Error != wantError {
		t.Errorf("error %q, want %q", body.Error, wantError)
	}
}
