package jwtauth_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/jwtauth"
)

// ownClaims are a protocol's own claims, as Verify decodes them.
type ownClaims struct {
	jwt.RegisteredClaims
	Scope []string `json:"scope"`
}

func TestVerifyDecodesOwnClaims(t *testing.T) {
	v := mustVerifier(t, jwtauth.Config{Secret: secret})
	var c ownClaims
	tok := mint(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"scope": []string{"a", "b"}, "exp": time.Now().Add(time.Hour).Unix()})
	if err := v.Verify(tok, &c); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Scope, []string{"a", "b"}) {
		t.Errorf("scope %q, want [a b]", c.Scope)
	}
	for name, bad := range map[string]string{
		"no exp":        mint(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"scope": []string{"a"}}),
		"expired":       mint(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"exp": time.Now().Add(-time.Hour).Unix()}),
		"other secret":  mint(t, jwt.SigningMethodHS256, []byte("another secret of 32 bytes or more"), jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix()}),
		"not a token":   "nonsense",
		"future iat":    mint(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"iat": time.Now().Add(time.Hour).Unix(), "exp": time.Now().Add(2 * time.Hour).Unix()}),
		"unsigned none": "eyJhbGciOiJub25lIn0.eyJleHAiOjk5OTk5OTk5OTl9.",
	} {
		if err := v.Verify(bad, &ownClaims{}); !errors.Is(err, ssehub.ErrUnauthorized) {
			t.Errorf("%s: %v, want ErrUnauthorized", name, err)
		}
	}
}

func TestVerifyOptionalExpiration(t *testing.T) {
	v := mustVerifier(t, jwtauth.Config{Secret: secret, OptionalExpiration: true})
	if err := v.Verify(mint(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"scope": []string{"a"}}), &ownClaims{}); err != nil {
		t.Errorf("no exp with OptionalExpiration: %v", err)
	}
	expired := mint(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"exp": time.Now().Add(-time.Hour).Unix()})
	if err := v.Verify(expired, &ownClaims{}); !errors.Is(err, ssehub.ErrUnauthorized) {
		t.Errorf("an exp in the past with OptionalExpiration: %v, want ErrUnauthorized", err)
	}
}

func TestParsePublicKey(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(pub)
	k, err := jwtauth.ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	if alg, err := jwtauth.Algorithm(k); alg != "EdDSA" || err != nil {
		t.Errorf("Algorithm: %q, %v; want EdDSA", alg, err)
	}
	v := mustVerifier(t, jwtauth.Config{PublicKey: k})
	if err := v.Verify(mint(t, jwt.SigningMethodEdDSA, priv, jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix()}), &ownClaims{}); err != nil {
		t.Errorf("EdDSA token: %v", err)
	}
	privDER, _ := x509.MarshalPKCS8PrivateKey(priv)
	for name, text := range map[string][]byte{
		"empty":       nil,
		"not PEM":     []byte("hello"),
		"private key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}),
	} {
		if _, err := jwtauth.ParsePublicKey(text); err == nil {
			t.Errorf("%s: parsed, want an error", name)
		}
	}
}

// A token that allows a stream's topics lets it see their private events:
// the subscription's Private is its topics.
func TestAuthorizeSetsPrivate(t *testing.T) {
	v := mustVerifier(t, jwtauth.Config{Secret: secret})
	c := valid("alice")
	c["topics"] = []string{"room-*"}
	tok := mint(t, jwt.SigningMethodHS256, secret, c)
	sub, err := v.Authorize(request("", "Authorization: Bearer "+tok), ssehub.Subscription{Topics: []string{"room-1", "room-2"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sub.Private, []string{"room-1", "room-2"}) {
		t.Errorf("Private %q, want the stream's topics [room-1 room-2]", sub.Private)
	}
}
