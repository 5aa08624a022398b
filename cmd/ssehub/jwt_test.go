package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// With -jwt-secret, /sse needs a token; the token decides the client id;
// no token reaches the log.
func TestSubscriberTokens(t *testing.T) {
	const secret = "a-subscriber-secret-of-32-bytes!"
	r := startRun(t, nil, "-addr", "127.0.0.1:0", "-tick", "0", "-jwt-secret", secret)
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "alice", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	for query, want := range map[string]int{
		"id=alice":                  http.StatusUnauthorized,
		"id=alice&token=forged":     http.StatusUnauthorized,
		"id=bob&token=" + tok:       http.StatusForbidden,
		"token=" + tok + "x":        http.StatusUnauthorized,
		"id=alice&token=" + tok[1:]: http.StatusUnauthorized,
	} {
		if code, body := r.send(t, "GET", "/sse?"+query, "", nil); code != want {
			t.Errorf("GET /sse?%.40s...: %d %s, want %d", query, code, body, want)
		}
	}
	s := ssetest.OpenRegistered(t, r.client, r.url+"/sse?token="+tok, nil)
	if code, body, err := r.post("/ping/alice", "", ""); err != nil || code != http.StatusOK {
		t.Fatalf("ping alice: %d %s %v", code, body, err)
	}
	if ev := s.Next(t); ev.Data != "Hello alice" {
		t.Errorf("alice's stream got %+v, want Hello alice", ev)
	}
	if log := r.stderr.String(); strings.Contains(log, tok) || strings.Contains(log, secret) {
		t.Errorf("a token or the secret is in the log:\n%s", log)
	}
}

// -kick-limit bounds the kicks remembered: the oldest is forgotten first,
// and its client comes back with the token it had, while the newer kicks
// still refuse theirs.
func TestKickLimit(t *testing.T) {
	const secret = "a-subscriber-secret-of-32-bytes!"
	r := startRun(t, nil, "-addr", "127.0.0.1:0", "-tick", "0", "-jwt-secret", secret, "-kick-limit", "2")
	issued := time.Now().Add(-time.Minute)
	token := map[string]string{}
	for _, id := range []string{"a", "b", "c"} {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": id, "iat": issued.Unix(), "exp": issued.Add(time.Hour).Unix()}).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		token[id] = tok
		if code, body := r.send(t, "DELETE", "/clients/"+id, "", nil); code != http.StatusNotFound && code != http.StatusOK {
			t.Fatalf("DELETE /clients/%s: %d %s", id, code, body)
		}
	}
	for _, id := range []string{"b", "c"} {
		if code, body := r.send(t, "GET", "/sse?token="+token[id], "", nil); code != http.StatusUnauthorized {
			t.Errorf("%s with a token older than its remembered kick: %d %s, want 401", id, code, body)
		}
	}
	ssetest.OpenRegistered(t, r.client, r.url+"/sse?token="+token["a"], nil) // a's kick was forgotten for c's
}
