package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const mercureTestSecret = "!ChangeThisMercureHubJWTSecretKey!" // the Mercure docs' example key, 34 bytes

// pemOf is the PEM text of a public key.
func pemOf(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func TestMercureBadConfigExits2(t *testing.T) {
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	edPEM := pemOf(t, edPub)
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"no way in for subscribers", nil, []string{"-mercure", "-mercure-publisher-jwt-key", mercureTestSecret}, []string{"-mercure-subscriber-jwt-key", "-mercure-anonymous"}},
		{"a mercure flag without -mercure", nil, []string{"-mercure-anonymous"}, []string{"-mercure-anonymous without -mercure"}},
		{"a mercure variable without -mercure", map[string]string{"SSEHUB_MERCURE_SUBSCRIPTIONS": "true"}, nil, []string{"SSEHUB_MERCURE_SUBSCRIPTIONS (-mercure-subscriptions) without -mercure"}},
		{"short secret", nil, []string{"-mercure", "-mercure-anonymous", "-mercure-publisher-jwt-key", "tooshort-secret"}, []string{"-mercure-publisher-jwt-key", "32 bytes"}},
		{"short secret in Mercure's variable", map[string]string{"MERCURE_SUBSCRIBER_JWT_KEY": "tooshort-secret"}, []string{"-mercure"}, []string{"MERCURE_SUBSCRIBER_JWT_KEY (-mercure-subscriber-jwt-key)", "32 bytes"}},
		{"unknown algorithm", nil, []string{"-mercure", "-mercure-anonymous", "-mercure-publisher-jwt-alg", "RS512"}, []string{`-mercure-publisher-jwt-alg "RS512"`, "HS256"}},
		{"unknown algorithm in Mercure's variable", map[string]string{"MERCURE_PUBLISHER_JWT_ALG": "HS512"}, []string{"-mercure", "-mercure-anonymous"}, []string{`MERCURE_PUBLISHER_JWT_ALG="HS512"`}},
		{"PEM key of another algorithm", nil, []string{"-mercure", "-mercure-anonymous", "-mercure-publisher-jwt-alg", "RS256", "-mercure-publisher-jwt-key", edPEM}, []string{"-mercure-publisher-jwt-key", "RS256"}},
		{"public key that is not PEM", nil, []string{"-mercure", "-mercure-anonymous", "-mercure-subscriber-jwt-alg", "EdDSA", "-mercure-subscriber-jwt-key", "/nonexistent/key.pem"}, []string{"-mercure-subscriber-jwt-key", "/nonexistent/key.pem"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"SSEHUB_ADDR": "127.0.0.1:0"}
			maps.Copy(env, c.env)
			code, out := runToExit(t, env, c.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2\n%s", code, out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "tooshort-secret") {
				t.Errorf("stderr shows the secret:\n%s", out)
			}
		})
	}
}

// Mercure's variables are read for unset flags, with -mercure only; the
// SSEHUB_ ones and the flags win.
func TestMercureEnvAliases(t *testing.T) {
	other := strings.Repeat("s", 40)
	c, err := parse(t, map[string]string{
		"MERCURE_PUBLISHER_JWT_KEY":         mercureTestSecret,
		"MERCURE_SUBSCRIBER_JWT_KEY":        mercureTestSecret,
		"SSEHUB_MERCURE_SUBSCRIBER_JWT_KEY": other,
	}, "-mercure")
	if err != nil {
		t.Fatal(err)
	}
	if c.mercure.publisherKey != mercureTestSecret || c.mercure.subscriberKey != other {
		t.Errorf("keys %q, %q; want MERCURE_PUBLISHER_JWT_KEY's and SSEHUB_MERCURE_SUBSCRIBER_JWT_KEY's", c.mercure.publisherKey, c.mercure.subscriberKey)
	}
	c, err = parse(t, map[string]string{"MERCURE_PUBLISHER_JWT_KEY": mercureTestSecret})
	if err != nil {
		t.Fatalf("MERCURE_PUBLISHER_JWT_KEY without -mercure: %v (want it ignored)", err)
	}
	if c.mercure.publisherKey != "" {
		t.Errorf("without -mercure, MERCURE_PUBLISHER_JWT_KEY was read")
	}
}

// A public key is taken as PEM text (as Mercure's variables hold it) or
// as a file, for its own algorithm.
func TestMercurePublicKeys(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecPEM := pemOf(t, &ec.PublicKey)
	path := filepath.Join(t.TempDir(), "ec.pem")
	if err := os.WriteFile(path, []byte(ecPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{ecPEM, path} {
		c, err := parse(t, nil, "-mercure", "-mercure-anonymous", "-mercure-publisher-jwt-alg", "ES256", "-mercure-publisher-jwt-key", key)
		if err != nil {
			t.Fatalf("%.30q: %v", key, err)
		}
		if pub, _, _ := c.mercureVerifiers(); pub == nil {
			t.Errorf("%.30q: no publisher verifier", key)
		}
	}
}
