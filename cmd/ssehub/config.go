package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/jwtauth"
	"github.com/ssehub/ssehub/redis"

	goredis "github.com/redis/go-redis/v9"
)

// config is everything the flags set.
type config struct {
	addr            string
	tick            time.Duration
	heartbeat       time.Duration
	retry           time.Duration
	queueBytes      byteSize
	writeTimeout    time.Duration
	shutdownTimeout time.Duration
	store           string
	historySize     int
	historyBytes    byteSize
	historyTTL      time.Duration
	allowOrigin     string
	publishKeys     keyList
	jwtSecret       string
	jwtPublicKey    string
	jwtAudience     string
	jwtIssuer       string
	kickMemory      time.Duration
	limits          ssehub.Limits
	maxBody         byteSize
	maxData         byteSize
	redisURL        string
	redisPrefix     string
	node            string

	set map[string]bool // the flags given, on the command line or in the environment
}

var errHelp = flag.ErrHelp

// parseConfig reads the flags, each defaulting to its SSEHUB_<NAME>
// environment variable when set.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	c := config{queueBytes: ssehub.DefaultQueueBytes, historyBytes: ssehub.DefaultHistoryBytes, maxBody: httpapi.DefaultMaxBodyBytes, maxData: httpapi.DefaultMaxBodyBytes}
	fs := flag.NewFlagSet("ssehub", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", ":3020", "listen address")
	fs.DurationVar(&c.tick, "tick", time.Second, "period of the demo broadcast of the current time (0 turns it off)")
	fs.DurationVar(&c.heartbeat, "heartbeat", ssehub.DefaultHeartbeat, "period of the comment heartbeat on every stream (0 turns it off)")
	fs.DurationVar(&c.retry, "retry", ssehub.DefaultRetry, "reconnection delay sent to clients as retry:")
	fs.Var(&c.queueBytes, "queue-size", "bytes queued per connection before it is closed as too slow (suffixes KiB, MiB, GiB)")
	fs.DurationVar(&c.writeTimeout, "write-timeout", ssehub.DefaultWriteTimeout, "a client that takes longer to accept one write is disconnected")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long shutdown may take to flush and end streams")
	fs.StringVar(&c.store, "store", "memory", "event history: memory, or bolt:<path> for a durable file")
	fs.IntVar(&c.historySize, "history-size", ssehub.DefaultHistorySize, "most events kept for Last-Event-ID resumption")
	fs.Var(&c.historyBytes, "history-bytes", "most bytes of events kept (data, type, targets and about 160 bytes each; suffixes KiB, MiB, GiB)")
	fs.DurationVar(&c.historyTTL, "history-ttl", 24*time.Hour, "how long events are kept (0: no age limit)")
	fs.StringVar(&c.allowOrigin, "allow-origin", "", "comma-separated origins (https://app.example.com) whose browser pages may open streams (and publish), or * for any (streams only)")
	fs.StringVar(&c.jwtSecret, "jwt-secret", "", "HS256 secret (at least 32 bytes) of the tokens /sse then requires; see README, Security")
	fs.StringVar(&c.jwtPublicKey, "jwt-public-key", "", "PEM file of the public key (RSA, ECDSA P-256 or Ed25519) of the tokens /sse then requires")
	fs.StringVar(&c.jwtAudience, "jwt-audience", "", "when set, a subscriber token's aud must be this")
	fs.StringVar(&c.jwtIssuer, "jwt-issuer", "", "when set, a subscriber token's iss must be this")
	fs.DurationVar(&c.kickMemory, "kick-memory", ssehub.DefaultKickMemory, "how long DELETE /clients/{id} refuses the client's older tokens; subscriber tokens may live (exp - iat) at most this long")
	fs.IntVar(&c.limits.MaxStreams, "max-streams", 0, "most open streams in all (0: as many as the open-files limit allows); more get 503")
	fs.IntVar(&c.limits.MaxStreamsPerClient, "max-streams-per-client", 100, "most open streams of one client id (0: no limit); more get 429")
	fs.IntVar(&c.limits.MaxStreamsPerAddress, "max-streams-per-address", 0, "most open streams from one IP address (0: no limit; behind a proxy every client shares its address); more get 429")
	fs.IntVar(&c.limits.MaxTopics, "max-topics", 100, "most topics one stream may subscribe to")
	fs.IntVar(&c.limits.MaxNameLen, "max-name-length", ssehub.MaxNameLen, "most bytes of a client id or topic (UTF-8 without control characters)")
	fs.Var(&c.maxBody, "max-body", "most bytes of a publish request's body; more get 413")
	fs.Var(&c.maxData, "max-data", "most bytes of one event's data; more get 413")
	fs.StringVar(&c.redisURL, "redis", "", "redis://[user:password@]host:port/db (rediss:// for TLS) of the Redis that the nodes of a cluster share: events, history and presence live there (SSEHUB_REDIS_URL); not with -store")
	fs.StringVar(&c.redisPrefix, "redis-prefix", redis.DefaultPrefix, "start of every Redis key: the nodes of one cluster share it, another cluster on the same Redis needs its own")
	fs.StringVar(&c.node, "node", "", "this node's name in the cluster's presence and logs (default: a random name)")
	fs.Var(&c.publishKeys, "publish-key", "a key that publishing (/publish, /ping) requires as Authorization: Bearer <key>; repeat it or separate keys with commas (SSEHUB_PUBLISH_KEYS); at least 16 characters")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: ssehub [flags]\n\nEvery flag may also be set as an environment variable SSEHUB_<FLAG>, e.g. SSEHUB_ADDR=:8080 (-publish-key: SSEHUB_PUBLISH_KEYS).\n\n")
		fs.PrintDefaults()
	}
	var envErr error
	c.set = make(map[string]bool)
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		if v := getenv(name); v != "" && envErr == nil {
			c.set[f.Name] = true
			if err := f.Value.Set(v); err != nil {
				envErr = fmt.Errorf("invalid %s=%q: %v", name, v, err)
			}
		}
	})
	if envErr != nil {
		return c, envErr
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) { c.set[f.Name] = true })
	return c, c.validate()
}

// envName returns the environment variable of a flag: SSEHUB_<FLAG>, but
// SSEHUB_PUBLISH_KEYS for -publish-key, which takes several, and
// SSEHUB_REDIS_URL for -redis.
func envName(flag string) string {
	switch flag {
	case "publish-key":
		return "SSEHUB_PUBLISH_KEYS"
	case "redis":
		return "SSEHUB_REDIS_URL"
	}
	return "SSEHUB_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

func (c *config) validate() error {
	switch {
	case c.tick < 0:
		return errors.New("-tick must not be negative")
	case c.heartbeat < 0:
		return errors.New("-heartbeat must not be negative")
	case c.retry < 0:
		return errors.New("-retry must not be negative")
	case c.queueBytes < 1024:
		return errors.New("-queue-size must be at least 1KiB")
	case c.writeTimeout <= 0:
		return errors.New("-write-timeout must be positive")
	case c.shutdownTimeout <= 0:
		return errors.New("-shutdown-timeout must be positive")
	case c.historySize < 1:
		return errors.New("-history-size must be at least 1")
	case c.historyBytes < 64<<10:
		return errors.New("-history-bytes must be at least 64KiB")
	case c.limits.MaxStreams < 0 || c.limits.MaxStreamsPerClient < 0 || c.limits.MaxStreamsPerAddress < 0:
		return errors.New("-max-streams, -max-streams-per-client and -max-streams-per-address must not be negative")
	case c.limits.MaxTopics < 1 || c.limits.MaxTopics > ssehub.MaxTargets:
		return fmt.Errorf("-max-topics must be from 1 to %d", ssehub.MaxTargets)
	case c.limits.MaxNameLen < 1 || c.limits.MaxNameLen > ssehub.MaxNameLen:
		return fmt.Errorf("-max-name-length must be from 1 to %d", ssehub.MaxNameLen)
	case c.maxBody < 1024:
		return errors.New("-max-body must be at least 1KiB")
	case c.maxData < 1 || int64(c.maxData) > int64(c.maxBody):
		return errors.New("-max-data must be at least 1 byte and at most -max-body")
	case c.kickMemory < time.Minute:
		return errors.New("-kick-memory must be at least 1m")
	case c.historyTTL < 0:
		return errors.New("-history-ttl must not be negative")
	}
	if c.heartbeat == 0 {
		c.heartbeat = -1 // ssehub.Config: negative disables
	}
	if _, err := c.origins(); err != nil {
		return err
	}
	if _, err := c.authorizer(); err != nil {
		return err
	}
	if c.redisURL != "" {
		return c.validateRedis()
	}
	_, _, err := c.storeKind()
	return err
}

// validateRedis checks the flags of a cluster node.
func (c *config) validateRedis() error {
	if c.set["store"] {
		return errors.New("-store and -redis together: a cluster's events live in its Redis; give one of them (-redis for several nodes, -store for one)")
	}
	if _, err := goredis.ParseURL(c.redisURL); err != nil {
		return fmt.Errorf("-redis %q: %v (want redis://[user:password@]host:port/db, or rediss:// for TLS)", redactURL(c.redisURL), err)
	}
	if c.redisPrefix == "" || strings.ContainsAny(c.redisPrefix, "{} \t\n") {
		return fmt.Errorf("-redis-prefix %q: want a non-empty name without braces or spaces", c.redisPrefix)
	}
	if strings.ContainsAny(c.node, "{} \t\n:") {
		return fmt.Errorf("-node %q: want a name without braces, colons or spaces", c.node)
	}
	return nil
}

// redactURL hides the password of a Redis URL, for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// origins splits -allow-origin into its origins, each "*" or
// scheme://host[:port].
func (c *config) origins() ([]string, error) {
	var out []string
	for o := range strings.SplitSeq(c.allowOrigin, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o != "*" {
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" {
				return nil, fmt.Errorf("-allow-origin %q: want * or an origin such as https://app.example.com (no path)", o)
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// authorizer returns the subscriber token verifier the -jwt-* flags ask
// for, or nil when no key is set (streams are open).
func (c *config) authorizer() (ssehub.Authorizer, error) {
	if c.jwtSecret == "" && c.jwtPublicKey == "" {
		if c.jwtAudience != "" || c.jwtIssuer != "" {
			return nil, errors.New("-jwt-audience and -jwt-issuer need -jwt-secret or -jwt-public-key")
		}
		return nil, nil
	}
	cfg := jwtauth.Config{Audience: c.jwtAudience, Issuer: c.jwtIssuer, MaxLifetime: c.kickMemory}
	if c.jwtSecret != "" {
		cfg.Secret = []byte(c.jwtSecret)
	}
	if c.jwtPublicKey != "" {
		k, err := jwtauth.ReadPublicKey(c.jwtPublicKey)
		if err != nil {
			return nil, fmt.Errorf("-jwt-public-key: %v", err)
		}
		cfg.PublicKey = k
	}
	v, err := jwtauth.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("-jwt-secret/-jwt-public-key: %v", err)
	}
	return v, nil
}

// storeKind splits -store into its kind and, for bolt, the file path.
func (c *config) storeKind() (kind, path string, err error) {
	switch {
	case c.store == "memory":
		return "memory", "", nil
	case strings.HasPrefix(c.store, "bolt:") && len(c.store) > len("bolt:"):
		return "bolt", strings.TrimPrefix(c.store, "bolt:"), nil
	}
	return "", "", fmt.Errorf("-store %q: want memory or bolt:<path>", c.store)
}

// byteSize is a flag holding a number of bytes, with an optional KiB, MiB
// or GiB suffix.
type byteSize int64

func (b *byteSize) String() string {
	n := int64(*b)
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

func (b *byteSize) Set(s string) error {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			s, mult = n, m
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<40)/mult {
		return errors.New("want a number of bytes, such as 262144, 256KiB or 64MiB")
	}
	*b = byteSize(n * mult)
	return nil
}

// keyList is the -publish-key flag: keys given in several flags, or
// separated by commas in one.
type keyList []string

// minKeyLen keeps guessable keys out.
const minKeyLen = 16

func (k *keyList) String() string { return fmt.Sprintf("%d key(s)", len(*k)) } // never the keys

func (k *keyList) Set(s string) error {
	for key := range strings.SplitSeq(s, ",") {
		key = strings.TrimSpace(key)
		switch {
		case len(key) < minKeyLen:
			return fmt.Errorf("a publish key must have at least %d characters (make one with: openssl rand -hex 32)", minKeyLen)
		case strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			return errors.New("a publish key must not contain spaces or control characters")
		}
		*k = append(*k, key)
	}
	return nil
}
