package httpapi_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/jwtauth"
)

// The real server with subscriber tokens and a publish key, attacked: every
// forged, stale or misused token is refused with a JSON 401 or 403 (never a
// stream), and an endless publish body is cut off with 413, publishing
// nothing.
func TestAttacksOnAClosedHub(t *testing.T) {
	secret := []byte("a-subscriber-secret-of-32-bytes!")
	v, err := jwtauth.New(jwtauth.Config{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	const key = "publish-key-0123456789abcdef"
	ts := newAPIServer(t, ssehub.Config{Authorizer: v}, httpapi.Config{PublishKeys: []string{key}})
	now := time.Now()
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"sub": "alice", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "topics": []string{"room-1"}}
		if edit != nil {
			edit(c)
		}
		return c
	}
	sign := func(m jwt.SigningMethod, k any, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	good := sign(jwt.SigningMethodHS256, secret, claims(nil))
	for name, c := range map[string]struct {
		query string
		code  int
	}{
		"no token":          {"id=alice", http.StatusUnauthorized},
		"forged signature":  {"token=" + sign(jwt.SigningMethodHS256, []byte("not-the-secret-but-32-bytes-long"), claims(nil)), http.StatusUnauthorized},
		"expired":           {"token=" + sign(jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Second).Unix() })), http.StatusUnauthorized},
		"not yet valid":     {"token=" + sign(jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })), http.StatusUnauthorized},
		"alg none":          {"token=" + none, http.StatusUnauthorized},
		"wrong algorithm":   {"token=" + sign(jwt.SigningMethodRS256, rsaKey, claims(nil)), http.StatusUnauthorized},
		"alice asks bob":    {"id=bob&token=" + good, http.StatusForbidden},
		"topic not allowed": {"topic=room-2&token=" + good, http.StatusForbidden},
	} {
		code, h, b := ts.send(t, "GET", "/sse?"+c.query, "")
		checkError(t, code, h, b, c.code)
		if t.Failed() {
			t.Fatalf("%s", name)
		}
	}
	s := ts.openStream(t, "topic=room-1&token="+good, nil)

	// An endless body: the hub stops reading at its limit.
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.srv.URL+"/publish", io.MultiReader(strings.NewReader("client=alice&data="), endless{}))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+key)
	if resp, err := ts.client.Do(req); err == nil { // or the hub closed the connection while it was still being sent
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("endless body: %d, want 413", resp.StatusCode)
		}
	} else if ctx.Err() != nil {
		t.Fatalf("endless body: the hub kept reading until the deadline: %v", err)
	}
	s.ExpectNone(t, 50*time.Millisecond)
	if code, _, b := ts.send(t, "POST", "/publish", "client=alice&data=after", "Authorization: Bearer "+key); code != http.StatusOK {
		t.Fatalf("publish after the attacks: %d %s", code, b)
	}
	s.Expect(t, "after")
}

// endless is a body that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}
