package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/jwtauth"
)

func getJSON(t *testing.T, ts *testServer, path string, v any, header ...string) int {
	t.Helper()
	code, _, b := ts.send(t, "GET", path, "", header...)
	if code == http.StatusOK {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %q: %v", path, b, err)
		}
	}
	return code
}

type clientPage struct {
	Clients []struct {
		ID          string
		Connections int
	}
	Connections int
	Next        string
}

func TestPresence(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	ts.openStream(t, "id=bob", nil)
	ts.openStream(t, "id=alice&topic=room", nil)
	ts.openStream(t, "id=alice", nil)

	var all clientPage
	if code := getJSON(t, ts, "/clients", &all); code != http.StatusOK || all.Connections != 3 || len(all.Clients) != 2 ||
		all.Clients[0].ID != "alice" || all.Clients[0].Connections != 2 || all.Clients[1].ID != "bob" || all.Next != "" {
		t.Errorf("GET /clients: %d %+v, want alice (2) and bob (1), 3 streams, no next page", code, all)
	}
	var first, second clientPage
	getJSON(t, ts, "/clients?limit=1", &first)
	getJSON(t, ts, "/clients?limit=1&after="+first.Next, &second)
	if len(first.Clients) != 1 || first.Next != "alice" || len(second.Clients) != 1 || second.Clients[0].ID != "bob" || second.Next != "" {
		t.Errorf("pages of 1: %+v then %+v, want alice (next alice) then bob", first, second)
	}
	for _, bad := range []string{"/clients?limit=0", "/clients?limit=1001", "/clients?limit=x"} {
		code, h, b := ts.send(t, "GET", bad, "")
		checkError(t, code, h, b, http.StatusBadRequest, "limit")
	}

	var alice struct {
		ID          string
		Connections int
		Streams     []struct {
			Topics    []string
			Connected time.Time
		}
	}
	if code := getJSON(t, ts, "/clients/alice", &alice); code != http.StatusOK || alice.Connections != 2 || len(alice.Streams) != 2 ||
		len(alice.Streams[0].Topics) != 1 || alice.Streams[0].Topics[0] != "room" || time.Since(alice.Streams[0].Connected) > time.Minute {
		t.Errorf("GET /clients/alice: %d %+v, want two streams, the first on topic room, connected just now", code, alice)
	}
	code, h, b := ts.send(t, "GET", "/clients/nobody", "")
	checkError(t, code, h, b, http.StatusNotFound, "nobody")
	code, h, b = ts.send(t, "POST", "/clients/alice", "")
	checkError(t, code, h, b, http.StatusMethodNotAllowed)
}

// DELETE /clients/{id} ends every stream of that client; with publish keys
// it needs one, like every route that is not a stream.
func TestKick(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef"
	ts := newAPIServer(t, ssehub.Config{}, httpapi.Config{PublishKeys: []string{key}})
	a1, a2 := ts.openStream(t, "id=alice", nil), ts.openStream(t, "id=alice", nil)
	bob := ts.openStream(t, "id=bob", nil)
	if code, _, _ := ts.send(t, "DELETE", "/clients/alice", ""); code != http.StatusUnauthorized {
		t.Fatalf("DELETE without the key: %d, want 401", code)
	}
	if code, _, _ := ts.send(t, "GET", "/clients", ""); code != http.StatusUnauthorized {
		t.Fatalf("GET /clients without the key: %d, want 401", code)
	}
	code, _, b := ts.send(t, "DELETE", "/clients/alice", "", "Authorization: Bearer "+key)
	if code != http.StatusOK || string(b) != "{\"id\":\"alice\",\"connections\":0,\"ended\":2}\n" {
		t.Errorf("DELETE /clients/alice: %d %s, want 200 with ended 2", code, b)
	}
	for _, s := range []*ssetest.Stream{a1, a2} {
		if _, err := s.Ended(t); err == nil {
			t.Error("a kicked stream did not end")
		}
	}
	bob.ExpectNone(t, 20*time.Millisecond)
	if n := localConns(ts.hub, "bob"); n != 1 {
		t.Errorf("bob has %d streams after alice's kick, want 1", n)
	}
}

// With subscriber tokens, a kicked client cannot come back with a token
// issued before the kick; one issued after works.
func TestKickRefusesOldTokens(t *testing.T) {
	secret := []byte("a-subscriber-secret-of-32-bytes!")
	v, err := jwtauth.New(jwtauth.Config{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, ssehub.Config{Authorizer: v})
	token := func() string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "alice", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}).SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	old := token()
	s := ts.openStream(t, "token="+old, nil)
	if code, _, b := ts.send(t, "DELETE", "/clients/alice", ""); code != http.StatusOK {
		t.Fatalf("DELETE: %d %s", code, b)
	}
	if _, err := s.Ended(t); err == nil {
		t.Fatal("the kicked stream did not end")
	}
	code, h, b := ts.send(t, "GET", "/sse?token="+old, "")
	checkError(t, code, h, b, http.StatusUnauthorized, "signed out")
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 10*time.Millisecond))) // the next second
	fresh := ts.openStream(t, "token="+token(), nil)
	fresh.ExpectNone(t, 10*time.Millisecond)
	if n := localConns(ts.hub, "alice"); n != 1 {
		t.Errorf("alice has %d streams with a token issued after the kick, want 1", n)
	}
}
