package jwtauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/ssehub/ssehub"
)

// CookieName is the cookie a token may come in.
const CookieName = "ssehub_token"

// MinSecretLen is the shortest HS256 secret a Verifier takes: 32 bytes, the
// hash's own size.
const MinSecretLen = 32

// Config says which tokens a Verifier accepts. At least one of Secret and
// PublicKey must be set; both may be.
type Config struct {
	// Secret verifies HS256 tokens.
	Secret []byte
	// PublicKey verifies RS256 (*rsa.PublicKey), ES256 (*ecdsa.PublicKey on
	// P-256) or EdDSA (ed25519.PublicKey) tokens. See ReadPublicKey.
	PublicKey crypto.PublicKey
	// Audience and Issuer, when set, must be the token's aud and iss.
	Audience string
	Issuer   string
	// Leeway allows for clock skew between the token's minter and the hub
	// when checking exp and nbf.
	Leeway time.Duration
	// MaxLifetime, when not zero, refuses tokens whose exp is more than
	// this after their iat. With the hub's KickMemory at least as long, a
	// kicked client has no token left that outlives the kick's memory.
	MaxLifetime time.Duration
	// OptionalExpiration accepts tokens without exp (they never expire),
	// as protocols whose issuers mint such tokens need (Mercure's
	// publisher tokens often have none). An exp that is present is
	// enforced all the same.
	OptionalExpiration bool
}

// A Verifier checks subscriber tokens; it is an ssehub.Authorizer. It is
// safe for concurrent use.
type Verifier struct {
	cfg     Config
	methods []string
	parser  *jwt.Parser
}

// New returns a Verifier for cfg.
func New(cfg Config) (*Verifier, error) {
	v := &Verifier{cfg: cfg}
	if cfg.Secret != nil {
		if len(cfg.Secret) < MinSecretLen {
			return nil, fmt.Errorf("jwtauth: the HS256 secret must have at least %d bytes", MinSecretLen)
		}
		v.methods = append(v.methods, jwt.SigningMethodHS256.Alg())
	}
	if cfg.PublicKey != nil {
		alg, err := algorithmOf(cfg.PublicKey)
		if err != nil {
			return nil, err
		}
		v.methods = append(v.methods, alg)
	}
	if len(v.methods) == 0 {
		return nil, errors.New("jwtauth: no key: set a secret, a public key or both")
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(v.methods),
		jwt.WithStrictDecoding(), // one token, one spelling: no padding bits to vary
		jwt.WithIssuedAt(),       // not in the future
		jwt.WithLeeway(cfg.Leeway),
	}
	if !cfg.OptionalExpiration {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

// algorithmOf returns the one signing algorithm a public key verifies.
func algorithmOf(k crypto.PublicKey) (string, error) {
	switch k := k.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return "", fmt.Errorf("jwtauth: an RSA key of %d bits is too short: use 2048 or more", k.N.BitLen())
		}
		return jwt.SigningMethodRS256.Alg(), nil
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", errors.New("jwtauth: an ECDSA key must be on P-256 (ES256)")
		}
		return jwt.SigningMethodES256.Alg(), nil
	case ed25519.PublicKey:
		return jwt.SigningMethodEdDSA.Alg(), nil
	}
	return "", fmt.Errorf("jwtauth: unsupported public key type %T: want RSA, ECDSA P-256 or Ed25519", k)
}

// Algorithm returns the signing algorithm ("RS256", "ES256" or "EdDSA")
// that a public key verifies, or an error for a key a Verifier does not take.
func Algorithm(k crypto.PublicKey) (string, error) { return algorithmOf(k) }

// ReadPublicKey reads a PEM file holding a public key ("PUBLIC KEY", PKIX)
// or a certificate.
func ReadPublicKey(path string) (crypto.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: %w", err)
	}
	return parsePublicKey(b, path)
}

// ParsePublicKey is ReadPublicKey for PEM text already read (a key passed
// in an environment variable, as Mercure deployments do).
func ParsePublicKey(pemText []byte) (crypto.PublicKey, error) {
	return parsePublicKey(pemText, "the PEM text")
}

// parsePublicKey parses b, read from where (for messages).
func parsePublicKey(b []byte, path string) (crypto.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("jwtauth: %s holds no PEM block", path)
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("jwtauth: %s: %w", path, err)
		}
		return k, nil
	case "CERTIFICATE":
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("jwtauth: %s: %w", path, err)
		}
		return c.PublicKey, nil
	}
	return nil, fmt.Errorf("jwtauth: %s holds a %q PEM block: want PUBLIC KEY or CERTIFICATE (never a private key)", path, block.Type)
}

// claims are what a subscriber token says.
type claims struct {
	jwt.RegisteredClaims
	Topics *[]string `json:"topics,omitempty"` // nil: no limit
}

// Authorize implements ssehub.Authorizer.
func (v *Verifier) Authorize(r *http.Request, asked ssehub.Subscription) (ssehub.Subscription, error) {
	raw, err := tokenOf(r)
	if err != nil {
		return ssehub.Subscription{}, err
	}
	var c claims
	if _, err := v.parser.ParseWithClaims(raw, &c, v.key); err != nil {
		return ssehub.Subscription{}, fmt.Errorf("%w: invalid token: %v", ssehub.ErrUnauthorized, reason(err))
	}
	if c.Subject == "" {
		return ssehub.Subscription{}, fmt.Errorf("%w: the token has no sub (client id)", ssehub.ErrUnauthorized)
	}
	if c.IssuedAt == nil {
		return ssehub.Subscription{}, fmt.Errorf("%w: the token has no iat (issue time)", ssehub.ErrUnauthorized)
	}
	if limit := v.cfg.MaxLifetime; limit > 0 && c.ExpiresAt.Sub(c.IssuedAt.Time) > limit {
		return ssehub.Subscription{}, fmt.Errorf("%w: the token lives longer than %v (exp - iat)", ssehub.ErrUnauthorized, limit)
	}
	if asked.Client != "" && asked.Client != c.Subject {
		return ssehub.Subscription{}, fmt.Errorf("%w: the token is for another client id than the one asked for", ssehub.ErrForbidden)
	}
	for _, t := range asked.Topics {
		if c.Topics != nil && !allowed(*c.Topics, t) {
			return ssehub.Subscription{}, fmt.Errorf("%w: the token does not allow topic %q", ssehub.ErrForbidden, t)
		}
	}
	// The token allowed each of the stream's topics: it may see their
	// private events too (an open hub's streams, with no token, see none).
	sub := ssehub.Subscription{Client: c.Subject, Topics: asked.Topics, Expires: c.ExpiresAt.Time, Issued: c.IssuedAt.Time}
	sub.Private = slices.Clone(asked.Topics)
	return sub, nil
}

// Verify checks raw, a signed token, as Authorize checks a subscriber's
// (signature, algorithm, exp, nbf, iat, and aud and iss when configured),
// and decodes its claims into c, for a protocol with claims of its own
// (such as Mercure's). It checks nothing of sub, iat's presence or
// MaxLifetime: those are Authorize's. Its error wraps ssehub.ErrUnauthorized
// and never echoes the token.
func (v *Verifier) Verify(raw string, c jwt.Claims) error {
	if _, err := v.parser.ParseWithClaims(raw, c, v.key); err != nil {
		return fmt.Errorf("%w: invalid token: %v", ssehub.ErrUnauthorized, reason(err))
	}
	return nil
}

// key returns the key that verifies t, by its algorithm (already one of
// v.methods).
func (v *Verifier) key(t *jwt.Token) (any, error) {
	if _, ok := t.Method.(*jwt.SigningMethodHMAC); ok {
		return v.cfg.Secret, nil
	}
	return v.cfg.PublicKey, nil
}

// tokenOf returns the request's token, from the first place that has one.
func tokenOf(r *http.Request) (string, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			return "", fmt.Errorf("%w: the Authorization header must be Bearer <token>", ssehub.ErrUnauthorized)
		}
		return token, nil
	}
	if t := r.URL.Query().Get("token"); t != "" {
		return t, nil
	}
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
		return c.Value, nil
	}
	return "", fmt.Errorf("%w: a token is required (Authorization: Bearer, ?token= or the %s cookie)", ssehub.ErrUnauthorized, CookieName)
}

// reason says why a token was refused, in words that never echo the token.
func reason(err error) string {
	for _, e := range []error{jwt.ErrTokenExpired, jwt.ErrTokenNotValidYet, jwt.ErrTokenRequiredClaimMissing,
		jwt.ErrTokenInvalidAudience, jwt.ErrTokenInvalidIssuer, jwt.ErrTokenSignatureInvalid, jwt.ErrTokenUnverifiable,
		jwt.ErrTokenMalformed} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "not accepted"
}

// allowed reports whether topic matches one of the token's topic patterns:
// a pattern ending in "*" is a prefix ("*" alone: any topic), any other
// is the topic itself. Topics never contain "*" (ssehub.ValidateTopic).
func allowed(patterns []string, topic string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool {
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			return strings.HasPrefix(topic, prefix)
		}
		return p == topic
	})
}
