package jwtauth_test

import (
	"crypto/rand"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/jwtauth"
)

// Token and identity extraction never panics, never lets an unsigned or
// altered token in, and never echoes the token in its error.
func FuzzAuthorize(f *testing.F) {
	// A secret of this run only: tokens that earlier runs left in the fuzz
	// cache, validly signed then, must not count as accepted forgeries.
	secret := make([]byte, 32)
	rand.Read(secret)
	v, err := jwtauth.New(jwtauth.Config{Secret: secret})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "alice", "iat": time.Now().Unix(), "exp": time.Now().Add(24 * time.Hour).Unix(), "topics": []string{"a*"},
	}).SignedString(secret)
	f.Add(good, "", "alice", "abc")
	f.Add("", "Bearer "+good, "", "")
	f.Add("", "", "bob", "b")
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.", "", "", "")
	f.Add("a.b.c", "Basic x", "alice", "")
	f.Fuzz(func(t *testing.T, token, authorization, id, topic string) {
		r := httptest.NewRequest("GET", "/sse?token="+url.QueryEscape(token), nil)
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		var asked ssehub.Subscription
		asked.Client = id
		if topic != "" {
			asked.Topics = []string{topic}
		}
		sub, err := v.Authorize(r, asked)
		if err != nil {
			if !errors.Is(err, ssehub.ErrUnauthorized) && !errors.Is(err, ssehub.ErrForbidden) {
				t.Fatalf("error %v wraps neither ErrUnauthorized nor ErrForbidden", err)
			}
			if len(token) > 8 && strings.Contains(err.Error(), token) {
				t.Fatalf("the error echoes the token: %v", err)
			}
			return
		}
		used := token
		if authorization != "" {
			_, used, _ = strings.Cut(authorization, " ")
		}
		if used != good { // only the one signed token gets in
			t.Fatalf("token %q accepted as %+v", used, sub)
		}
		if sub.Client != "alice" || (id != "" && id != "alice") || (topic != "" && !strings.HasPrefix(topic, "a")) {
			t.Fatalf("asked %+v, got %+v", asked, sub)
		}
	})
}
