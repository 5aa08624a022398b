package jwtauth_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/jwtauth"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

// mint signs claims with key by method.
func mint(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func valid(sub string) jwt.MapClaims {
	return jwt.MapClaims{"sub": sub, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
}

func request(query string, header ...string) *http.Request {
	r := httptest.NewRequest("GET", "/sse?"+query, nil)
	for _, line := range header {
		name, value, _ := strings.Cut(line, ": ")
		r.Header.Add(name, value)
	}
	return r
}

func mustVerifier(t *testing.T, cfg jwtauth.Config) *jwtauth.Verifier {
	t.Helper()
	v, err := jwtauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAuthorize(t *testing.T) {
	v := mustVerifier(t, jwtauth.Config{Secret: secret})
	tok := mint(t, jwt.SigningMethodHS256, secret, valid("alice"))
	for _, r := range []*http.Request{
		request("", "Authorization: Bearer "+tok),
		request("", "Authorization: bearer "+tok),
		request("token=" + tok),
		request("", "Cookie: ssehub_token="+tok),
	} {
		sub, err := v.Authorize(r, ssehub.Subscription{Topics: []string{"x"}})
		if err != nil {
			t.Fatalf("%v: %v", r.URL, err)
		}
		if sub.Client != "alice" || len(sub.Topics) != 1 || sub.Expires.IsZero() || sub.Issued.IsZero() {
			t.Errorf("subscription %+v, want alice, topic x, an expiry and an issue time", sub)
		}
	}
	// The header comes first: a bad header is not rescued by a good query.
	if _, err := v.Authorize(request("token="+tok, "Authorization: Bearer nonsense"), ssehub.Subscription{}); !errors.Is(err, ssehub.ErrUnauthorized) {
		t.Errorf("bad header, good query: %v, want ErrUnauthorized", err)
	}
}

// Every way of getting in without a valid token is refused as
// unauthorized, and the error never echoes the token.
func TestForgedTokens(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	v := mustVerifier(t, jwtauth.Config{Secret: secret, Audience: "hub", Issuer: "app"})
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := valid("alice")
		c["aud"], c["iss"] = "hub", "app"
		if edit != nil {
			edit(c)
		}
		return c
	}
	if _, err := v.Authorize(request("token="+mint(t, jwt.SigningMethodHS256, secret, claims(nil))), ssehub.Subscription{}); err != nil {
		t.Fatalf("the valid token: %v", err)
	}
	unsigned, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	cases := map[string]string{
		"none":           unsigned,
		"wrong secret":   mint(t, jwt.SigningMethodHS256, []byte("another secret, 32 bytes long!!!"), claims(nil)),
		"wrong alg":      mint(t, jwt.SigningMethodHS384, secret, claims(nil)),
		"rsa, not hmac":  mint(t, jwt.SigningMethodRS256, rsaKey, claims(nil)),
		"expired":        mint(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() })),
		"no exp":         mint(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { delete(c, "exp") })),
		"not yet valid":  mint(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() })),
		"wrong audience": mint(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["aud"] = "other" })),
		"wrong issuer":   mint(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["iss"] = "other" })),
		"no sub":         mint(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { delete(c, "sub") })),
		"no iat":         mint(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { delete(c, "iat") })),
		"iat in future":  mint(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["iat"] = time.Now().Add(time.Hour).Unix() })),
		"garbage":        "not.a.token",
		"tampered":       tamper(mint(t, jwt.SigningMethodHS256, secret, claims(nil))),
	}
	for name, tok := range cases {
		_, err := v.Authorize(request("token="+tok), ssehub.Subscription{})
		if !errors.Is(err, ssehub.ErrUnauthorized) {
			t.Errorf("%s: %v, want ErrUnauthorized", name, err)
		} else if strings.Contains(err.Error(), tok) {
			t.Errorf("%s: the error echoes the token: %v", name, err)
		}
	}
	if _, err := v.Authorize(request(""), ssehub.Subscription{}); !errors.Is(err, ssehub.ErrUnauthorized) {
		t.Errorf("no token: %v, want ErrUnauthorized", err)
	}
}

// A token has one spelling: changing the unused padding bits of its
// signature's last base64 character (same bytes) does not get it in. Found
// by FuzzAuthorize.
func TestStrictDecoding(t *testing.T) {
	v := mustVerifier(t, jwtauth.Config{Secret: secret})
	tok := mint(t, jwt.SigningMethodHS256, secret, valid("alice"))
	if _, err := v.Authorize(request("token="+tok), ssehub.Subscription{}); err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, tok[len(tok)-1])
	other := tok[:len(tok)-1] + string(alphabet[last^1]) // a 32-byte signature leaves the last 2 bits unused
	if _, err := v.Authorize(request("token="+other), ssehub.Subscription{}); !errors.Is(err, ssehub.ErrUnauthorized) {
		t.Errorf("the token with other padding bits: %v, want ErrUnauthorized", err)
	}
}

// tamper changes the payload of a signed token (sub alice → mallory).
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	payload, _ := jwt.NewParser().DecodeSegment(parts[1])
	forged := strings.Replace(string(payload), "alice", "mallory", 1)
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(forged))
	return strings.Join(parts, ".")
}

// A valid token for alice opens alice's stream, and only within its topics.
func TestForbidden(t *testing.T) {
	v := mustVerifier(t, jwtauth.Config{Secret: secret})
	c := valid("alice")
	c["topics"] = []string{"room-1", "news/*"}
	tok := mint(t, jwt.SigningMethodHS256, secret, c)
	ok := []ssehub.Subscription{{}, {Client: "alice"}, {Topics: []string{"room-1", "news/", "news/today"}}}
	for _, asked := range ok {
		if _, err := v.Authorize(request("token="+tok), asked); err != nil {
			t.Errorf("asking %+v: %v, want it allowed", asked, err)
		}
	}
	forbidden := []ssehub.Subscription{{Client: "bob"}, {Topics: []string{"room-2"}}, {Topics: []string{"room-1", "news"}}}
	for _, asked := range forbidden {
		if _, err := v.Authorize(request("token="+tok), asked); !errors.Is(err, ssehub.ErrForbidden) {
			t.Errorf("asking %+v: %v, want ErrForbidden", asked, err)
		}
	}
	// An empty topics claim allows no topic; no claim allows any.
	c["topics"] = []string{}
	if _, err := v.Authorize(request("token="+mint(t, jwt.SigningMethodHS256, secret, c)), ssehub.Subscription{Topics: []string{"x"}}); !errors.Is(err, ssehub.ErrForbidden) {
		t.Errorf("empty topics claim: %v, want ErrForbidden", err)
	}
	if _, err := v.Authorize(request("token="+mint(t, jwt.SigningMethodHS256, secret, valid("alice"))), ssehub.Subscription{Topics: []string{"x"}}); err != nil {
		t.Errorf("no topics claim: %v, want any topic allowed", err)
	}
}

// Tokens signed with a private key verify with its public half read from a
// PEM file, for each supported kind; a token of another kind does not.
func TestPublicKeys(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	kinds := []struct {
		name   string
		method jwt.SigningMethod
		priv   any
		pub    crypto.PublicKey
	}{
		{"RS256", jwt.SigningMethodRS256, rsaKey, &rsaKey.PublicKey},
		{"ES256", jwt.SigningMethodES256, ecKey, &ecKey.PublicKey},
		{"EdDSA", jwt.SigningMethodEdDSA, edKey, edPub},
	}
	for i, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			der, err := x509.MarshalPKIXPublicKey(k.pub)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "key.pem")
			if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
				t.Fatal(err)
			}
			pub, err := jwtauth.ReadPublicKey(path)
			if err != nil {
				t.Fatal(err)
			}
			v := mustVerifier(t, jwtauth.Config{PublicKey: pub})
			if _, err := v.Authorize(request("token="+mint(t, k.method, k.priv, valid("alice"))), ssehub.Subscription{}); err != nil {
				t.Errorf("a token signed with the matching private key: %v", err)
			}
			other := kinds[(i+1)%len(kinds)]
			if _, err := v.Authorize(request("token="+mint(t, other.method, other.priv, valid("alice"))), ssehub.Subscription{}); !errors.Is(err, ssehub.ErrUnauthorized) {
				t.Errorf("a %s token: %v, want ErrUnauthorized", other.name, err)
			}
			if _, err := v.Authorize(request("token="+mint(t, jwt.SigningMethodHS256, der, valid("alice"))), ssehub.Subscription{}); !errors.Is(err, ssehub.ErrUnauthorized) {
				t.Errorf("an HS256 token keyed with the public key: %v, want ErrUnauthorized", err)
			}
		})
	}
}

// With MaxLifetime, a token whose exp is further from its iat is refused.
func TestMaxLifetime(t *testing.T) {
	v := mustVerifier(t, jwtauth.Config{Secret: secret, MaxLifetime: time.Hour})
	long := valid("alice")
	long["exp"] = time.Now().Add(2 * time.Hour).Unix()
	if _, err := v.Authorize(request("token="+mint(t, jwt.SigningMethodHS256, secret, long)), ssehub.Subscription{}); !errors.Is(err, ssehub.ErrUnauthorized) {
		t.Errorf("a token living 2h with MaxLifetime 1h: %v, want ErrUnauthorized", err)
	}
	if _, err := v.Authorize(request("token="+mint(t, jwt.SigningMethodHS256, secret, valid("alice"))), ssehub.Subscription{}); err != nil {
		t.Errorf("a token living 1h: %v", err)
	}
}

func TestBadConfig(t *testing.T) {
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	for name, cfg := range map[string]jwtauth.Config{
		"nothing":      {},
		"short secret": {Secret: []byte("short")},
		"small RSA":    {PublicKey: &small.PublicKey},
		"P-384":        {PublicKey: &p384.PublicKey},
		"private key":  {PublicKey: small},
	} {
		if _, err := jwtauth.New(cfg); err == nil {
			t.Errorf("%s: New succeeded, want an error", name)
		}
	}
	path := filepath.Join(t.TempDir(), "priv.pem")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
	if _, err := jwtauth.ReadPublicKey(path); err == nil || !strings.Contains(err.Error(), "private") {
		t.Errorf("ReadPublicKey of a private key: %v, want a refusal that says so", err)
	}
}
