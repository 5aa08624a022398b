package main

import (
	"crypto"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/jwtauth"
	"github.com/ssehub/ssehub/mercure"
)

// mercureConfig is what the -mercure flags set.
type mercureConfig struct {
	on                           bool
	publisherKey, publisherAlg   string
	subscriberKey, subscriberAlg string
	anonymous, subscriptions     bool
}

// mercureLeeway is the clock skew allowed to Mercure tokens' exp, nbf and
// iat.
const mercureLeeway = 10 * time.Second

// mercureAlgs are the token algorithms -mercure-*-jwt-alg take: those
// package jwtauth verifies.
var mercureAlgs = []string{"HS256", "RS256", "ES256", "EdDSA"}

func (c *config) mercureFlags(fs *flag.FlagSet) {
	m := &c.mercure
	fs.Var(newBool(&m.on, false), "mercure", "serve the Mercure protocol at /.well-known/mercure beside the hub's own API (see the README, Coming from Mercure)")
	fs.Var(newText(&m.publisherKey, "", "key"), "mercure-publisher-jwt-key", "key of Mercure publisher tokens: the HS256 secret (at least 32 bytes), or for RS256, ES256 or EdDSA the PEM public key, as text or as a file path; MERCURE_PUBLISHER_JWT_KEY when unset; without it Mercure publishing is refused")
	fs.Var(newChoice(&m.publisherAlg, "HS256", mercureAlgs...), "mercure-publisher-jwt-alg", "algorithm of Mercure publisher tokens; MERCURE_PUBLISHER_JWT_ALG when unset")
	fs.Var(newText(&m.subscriberKey, "", "key"), "mercure-subscriber-jwt-key", "key of Mercure subscriber tokens, as -mercure-publisher-jwt-key; MERCURE_SUBSCRIBER_JWT_KEY when unset; needed unless -mercure-anonymous")
	fs.Var(newChoice(&m.subscriberAlg, "HS256", mercureAlgs...), "mercure-subscriber-jwt-alg", "algorithm of Mercure subscriber tokens; MERCURE_SUBSCRIBER_JWT_ALG when unset")
	fs.Var(newBool(&m.anonymous, false), "mercure-anonymous", "let Mercure subscribers without a token receive public updates (a token that is present must be valid)")
	fs.Var(newBool(&m.subscriptions, false), "mercure-subscriptions", "serve Mercure's active subscriptions API and publish subscription events")
}

// mercureEnvAliases are the Mercure hub's own variables, read for the
// flags whose SSEHUB_ variable is unset, so that a Mercure deployment's
// environment works as it is.
var mercureEnvAliases = map[string]string{
	"mercure-publisher-jwt-key":  "MERCURE_PUBLISHER_JWT_KEY",
	"mercure-publisher-jwt-alg":  "MERCURE_PUBLISHER_JWT_ALG",
	"mercure-subscriber-jwt-key": "MERCURE_SUBSCRIBER_JWT_KEY",
	"mercure-subscriber-jwt-alg": "MERCURE_SUBSCRIBER_JWT_ALG",
}

// readMercureEnv sets, with -mercure, each flag of mercureEnvAliases that
// is still unset from its Mercure variable. Without -mercure they are not
// read: an environment may hold them for a Mercure hub beside this one.
func (c *config) readMercureEnv(fs *flag.FlagSet, getenv func(string) string) error {
	if !c.mercure.on {
		return nil
	}
	for name, env := range mercureEnvAliases {
		v := getenv(env)
		if c.set[name] || v == "" {
			continue
		}
		if err := fs.Lookup(name).Value.Set(v); err != nil {
			return badValue(name, env, v, err)
		}
		c.set[name], c.fromEnv[name] = true, true
		c.envAlias[name] = env
	}
	return nil
}

// checkMercure checks the -mercure flags: none without -mercure, a way
// in for subscribers, keys that parse for their algorithms.
func (c *config) checkMercure() error {
	if !c.mercure.on {
		for name := range c.set {
			if strings.HasPrefix(name, "mercure-") {
				return fmt.Errorf("%s without -mercure: set -mercure (SSEHUB_MERCURE=true) to serve the Mercure protocol", c.where(name))
			}
		}
		return nil
	}
	if c.mercure.subscriberKey == "" && !c.mercure.anonymous {
		return errors.New("-mercure without -mercure-subscriber-jwt-key or -mercure-anonymous: no Mercure subscriber could subscribe; set a subscriber key (MERCURE_SUBSCRIBER_JWT_KEY works too), or -mercure-anonymous for public updates without tokens")
	}
	_, _, err := c.mercureVerifiers()
	return err
}

// mercureVerifiers returns the verifiers of publisher and subscriber
// tokens; nil for a key not set.
func (c *config) mercureVerifiers() (pub, sub *jwtauth.Verifier, err error) {
	m := c.mercure
	if pub, err = c.mercureVerifier("mercure-publisher-jwt-key", m.publisherKey, m.publisherAlg); err != nil {
		return nil, nil, err
	}
	if sub, err = c.mercureVerifier("mercure-subscriber-jwt-key", m.subscriberKey, m.subscriberAlg); err != nil {
		return nil, nil, err
	}
	return pub, sub, nil
}

// mercureVerifier makes the verifier of key (flag name) for alg: an HS256
// secret, or a PEM public key given as text (as Mercure's variables hold
// it) or as a file. Its errors never show a secret.
func (c *config) mercureVerifier(name, key, alg string) (*jwtauth.Verifier, error) {
	if key == "" {
		return nil, nil
	}
	// Mercure's tokens need no exp; the Mercure hub does not check iat, so
	// a token minted by a server whose clock is a little ahead must pass.
	cfg := jwtauth.Config{OptionalExpiration: true, Leeway: mercureLeeway}
	if alg == "HS256" {
		cfg.Secret = []byte(key)
	} else {
		k, err := publicKey(key)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", c.where(name), err)
		}
		if got, err := jwtauth.Algorithm(k); err != nil || got != alg {
			return nil, fmt.Errorf("%s: the key is not one of %s (%s is %s)", c.where(name), alg, c.where(strings.Replace(name, "-key", "-alg", 1)), alg)
		}
		cfg.PublicKey = k
	}
	v, err := jwtauth.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", c.where(name), err)
	}
	return v, nil
}

// publicKey reads a PEM public key given as its text or as a file path.
func publicKey(key string) (crypto.PublicKey, error) {
	if strings.HasPrefix(strings.TrimSpace(key), "-----BEGIN") {
		return jwtauth.ParsePublicKey([]byte(key))
	}
	return jwtauth.ReadPublicKey(key)
}

// mercureHandler returns the Mercure protocol's handler the flags ask for,
// or nil without -mercure.
func (c *config) mercureHandler(hub *ssehub.Hub, origins []string) http.Handler {
	if !c.mercure.on {
		return nil
	}
	pub, sub, _ := c.mercureVerifiers() // validated by parseConfig
	var named []string                  // origins listed by name may publish by cookie; "*" may not
	for _, o := range origins {
		if o != "*" {
			named = append(named, o)
		}
	}
	return mercure.New(hub, mercure.Config{
		Publisher:      pub,
		Subscriber:     sub,
		Anonymous:      c.mercure.anonymous,
		Subscriptions:  c.mercure.subscriptions,
		PublishOrigins: named,
		MaxBodyBytes:   int64(c.maxBody),
		MaxDataBytes:   int(c.maxData),
	})
}

// warnMercure says, once at start, what the Mercure configuration leaves
// open or closed.
func warnMercure(logger *slog.Logger, c config) {
	if !c.mercure.on {
		return
	}
	if c.mercure.publisherKey == "" {
		logger.Warn("ssehub: -mercure without -mercure-publisher-jwt-key: Mercure publishing is refused (401); publish with POST /publish, or set a publisher key (MERCURE_PUBLISHER_JWT_KEY works too)")
	}
	if c.mercure.anonymous {
		logger.Info("ssehub: -mercure-anonymous: Mercure subscribers without a token receive public updates")
	}
	warnMercureOpen(logger, c)
}

// warnMercureOpen says what of ssehub's own API the Mercure keys leave
// open: they protect /.well-known/mercure only, and a Mercure deployment
// moved here keeps its keys and may expect no more to set.
func warnMercureOpen(logger *slog.Logger, c config) {
	if c.mercure.publisherKey == "" && c.mercure.subscriberKey == "" {
		return
	}
	var open []string
	if len(c.publishKeys) == 0 {
		open = append(open, "without -publish-key, anyone can publish to Mercure topics with POST /publish (no token; for an IP address, localhost or a name of -allow-host), and read Mercure subscribers' payloads and kick them at /clients")
	}
	if c.jwtSecret == "" && c.jwtPublicKey == "" && !c.mercure.anonymous {
		open = append(open, "without -jwt-secret or -jwt-public-key, anyone can follow a topic's public updates at /sse, with no token")
	}
	if len(open) > 0 {
		logger.Warn("ssehub: the Mercure keys protect /.well-known/mercure only: " + strings.Join(open, "; "))
	}
}
