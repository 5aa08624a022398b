package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/suggest"
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
	allowHosts      hostList
	publishKeys     keyList
	jwtSecret       string
	jwtPublicKey    string
	jwtAudience     string
	jwtIssuer       string
	kickMemory      time.Duration
	kickLimit       int
	limits          ssehub.Limits
	maxBody         byteSize
	bodyTimeout     time.Duration
	h2MaxStreams    int // HTTP/2 streams one connection may have open at once
	maxData         byteSize
	redisURL        string
	redisSentinel   string // host:port of sentinels, comma-separated
	redisMaster     string // the name the sentinels monitor the primary under
	redisCluster    string // host:port of Redis Cluster nodes, comma-separated
	redisPrefix     string
	redisReplicas   int // replicas that must hold an event before its publish is acknowledged (redis.LogOptions.Replicas)
	node            string
	logFormat       string     // text or json
	logLevel        levelValue // the least severe level written
	sseParams       nameList   // the application's own query parameters of /sse (ssehub.Config.QueryParams)
	mercure         mercureConfig

	// Parsed and validated, not yet used by run: for the wiring of metrics,
	// TLS and HTTP/2.
	//
	// metricsAddr is the address of a listener of its own for /metrics;
	// empty serves /metrics on the main listener (-addr).
	metricsAddr string
	// tlsCert and tlsKey are PEM files, both or neither: with them the hub
	// serves HTTPS (HTTP/2 negotiated by ALPN). tlsPair is the pair validate
	// loaded from them, so that what was checked is what is served; nil
	// means plain HTTP.
	tlsCert, tlsKey string
	tlsPair         *tls.Certificate
	// h2c accepts cleartext HTTP/2 with prior knowledge, as proxies speak it
	// to an upstream (http.Server.Protocols.SetUnencryptedHTTP2). It changes
	// nothing for HTTP/1.1 clients, nor over TLS.
	h2c bool

	version bool // -version: print the build information and exit

	set        map[string]bool   // the flags given, on the command line or in the environment
	fromEnv    map[string]bool   // those given in the environment
	envAlias   map[string]string // of those, the ones read from another variable than envName's (MERCURE_...)
	unknownEnv []envWarning      // SSEHUB_ variables no flag reads, for run to log
}

var (
	errHelp    = flag.ErrHelp
	errVersion = errors.New("-version")
)

// parseConfig reads the command line, then, for each flag not given there,
// its environment variable (envName), and validates the result. For -h it
// writes the usage to stderr and returns errHelp; for -version it returns
// errVersion. Both come before the environment is read, so that they work
// whatever it holds.
func parseConfig(args []string, env environment, stderr io.Writer) (config, error) {
	c := config{set: make(map[string]bool), fromEnv: make(map[string]bool), envAlias: make(map[string]string)}
	fs, bad := c.flagSet()
	if err := fs.Parse(args); err != nil {
		return c, parseError(fs, err, *bad, stderr)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	if c.version {
		return c, errVersion
	}
	fs.Visit(func(f *flag.Flag) { c.set[f.Name] = true })
	if err := c.readEnv(fs, env.get); err != nil {
		return c, err
	}
	if err := c.readMercureEnv(fs, env.get); err != nil {
		return c, err
	}
	c.unknownEnv = unknownEnv(env.names, fs)
	return c, c.validate()
}

// flagSet defines the flags on c. The flag package reports nothing itself:
// bad values are kept in *bad (see checked) and parseConfig writes -h.
func (c *config) flagSet() (*flag.FlagSet, *error) {
	fs := flag.NewFlagSet("ssehub", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	c.serverFlags(fs)
	c.historyFlags(fs)
	c.securityFlags(fs)
	c.limitFlags(fs)
	c.clusterFlags(fs)
	c.mercureFlags(fs)
	bad := new(error)
	fs.VisitAll(func(f *flag.Flag) { f.Value = checked{Value: f.Value, name: f.Name, first: bad} })
	return fs, bad
}

func (c *config) serverFlags(fs *flag.FlagSet) {
	fs.Var(newAddr(&c.addr, ":3020", ":3020", false), "addr", "listen address (:3020: port 3020 of every interface)")
	fs.Var(newDuration(&c.tick, time.Second), "tick", "period of the demo broadcast of the current time (0 turns it off)")
	fs.Var(newDuration(&c.heartbeat, ssehub.DefaultHeartbeat), "heartbeat", "period of the comment heartbeat on every stream (0 turns it off)")
	fs.Var(newDuration(&c.retry, ssehub.DefaultRetry), "retry", "reconnection delay sent to clients as retry:")
	fs.Var(&c.sseParams, "sse-params", "comma-separated query parameters of /sse that the application adds itself (a cache-buster such as _); /sse refuses any other than id, topic, lastEventId and token with 400")
	c.queueBytes = ssehub.DefaultQueueBytes
	fs.Var(&c.queueBytes, "queue-size", "bytes queued per connection before it is closed as too slow")
	fs.Var(newDuration(&c.writeTimeout, ssehub.DefaultWriteTimeout), "write-timeout", "a client that takes longer to accept one write is disconnected")
	fs.Var(newDuration(&c.shutdownTimeout, 10*time.Second), "shutdown-timeout", "how long shutdown may take to flush and end streams")
	fs.Var(newChoice(&c.logFormat, "text", "text", "json"), "log-format", "log lines as key=value text or as JSON objects, on stderr")
	c.logLevel = levelValue(slog.LevelInfo)
	fs.Var(&c.logLevel, "log-level", "the least severe log lines written")
	fs.Var(newAddr(&c.metricsAddr, "", ":9090", true), "metrics-addr", "address of a listener of its own for /metrics (empty: /metrics is on -addr)")
	fs.Var(newText(&c.tlsCert, "", "file"), "tls-cert", "PEM file of the TLS certificate (chain): serve HTTPS and HTTP/2; needs -tls-key")
	fs.Var(newText(&c.tlsKey, "", "file"), "tls-key", "PEM file of the certificate's private key; needs -tls-cert")
	fs.Var(newInt(&c.h2MaxStreams, 100), "h2-max-streams", "most HTTP/2 streams open at once on one connection (a browser needs a few); more wait for one to end")
	fs.Var(newBool(&c.h2c, true), "h2c", "accept cleartext HTTP/2 (prior knowledge), as proxies such as Envoy, HAProxy or Caddy speak it to an upstream; -h2c=false refuses it")
	fs.Var(newBool(&c.version, false), "version", "print the version and build information, and exit")
}

func (c *config) historyFlags(fs *flag.FlagSet) {
	fs.Var(newText(&c.store, "memory", "memory|bolt:path"), "store", "event history: memory, or bolt:<path> for a durable file")
	fs.Var(newInt(&c.historySize, ssehub.DefaultHistorySize), "history-size", "most events kept for Last-Event-ID resumption")
	c.historyBytes = ssehub.DefaultHistoryBytes
	fs.Var(&c.historyBytes, "history-bytes", "most bytes of events kept (data, type, targets and about 160 bytes each)")
	fs.Var(newDuration(&c.historyTTL, 24*time.Hour), "history-ttl", "how long events are kept (0: no age limit)")
}

func (c *config) securityFlags(fs *flag.FlagSet) {
	fs.Var(newText(&c.allowOrigin, "", "origins"), "allow-origin", "comma-separated origins (https://app.example.com) whose browser pages may open streams (and publish), or * for any (streams only)")
	fs.Var(newText(&c.jwtSecret, "", "secret"), "jwt-secret", "HS256 secret (at least 32 bytes) of the tokens /sse then requires; see docs/SECURITY.md")
	fs.Var(newText(&c.jwtPublicKey, "", "file"), "jwt-public-key", "PEM file of the public key (RSA, ECDSA P-256 or Ed25519) of the tokens /sse then requires")
	fs.Var(newText(&c.jwtAudience, "", "aud"), "jwt-audience", "when set, a subscriber token's aud must be this")
	fs.Var(newText(&c.jwtIssuer, "", "iss"), "jwt-issuer", "when set, a subscriber token's iss must be this")
	fs.Var(newDuration(&c.kickMemory, ssehub.DefaultKickMemory), "kick-memory", "how long DELETE /clients/{id} refuses the client's older tokens; subscriber tokens may live (exp - iat) at most this long")
	fs.Var(newInt(&c.kickLimit, ssehub.DefaultKickLimit), "kick-limit", "most kicks (DELETE /clients/{id}) remembered to refuse older tokens, with -jwt-secret or -jwt-public-key (without them kicks only end streams); when full the oldest is forgotten first and its client may come back with its old token")
	fs.Var(&c.allowHosts, "allow-host", "without -publish-key, publishing and /clients answer only requests for an IP address or localhost (DNS rebinding): other host names to answer for (hub.internal), comma-separated")
	fs.Var(&c.publishKeys, "publish-key", "a key that publishing (/publish, /ping) and /clients require as Authorization: Bearer <key>; repeat it or separate keys with commas; at least 16 characters")
}

func (c *config) limitFlags(fs *flag.FlagSet) {
	fs.Var(newInt(&c.limits.MaxStreams, ssehub.DefaultMaxStreams), "max-streams", "most open streams in all, over every protocol (0: no limit); when not given, at most the open-files limit less 500; more get 503")
	fs.Var(newInt(&c.limits.MaxStreamsPerClient, 100), "max-streams-per-client", "most open streams of one client id (0: no limit); more get 429")
	fs.Var(newInt(&c.limits.MaxStreamsPerAddress, 0), "max-streams-per-address", "most open streams from one IP address (0: no limit; behind a proxy every client shares its address); more get 429")
	fs.Var(newInt(&c.limits.MaxTopics, 100), "max-topics", "most topics one stream may subscribe to")
	fs.Var(newInt(&c.limits.MaxTemplates, 1000), "max-templates", "most distinct URI templates Mercure subscribers may use at once on this node (0: no limit): each publish matches its topics against every one; a stream that would add one more gets 503")
	fs.Var(newInt(&c.limits.MaxNameLen, ssehub.MaxNameLen), "max-name-length", "most bytes of a client id or topic (UTF-8 without control characters)")
	c.maxBody, c.maxData = httpapi.DefaultMaxBodyBytes, httpapi.DefaultMaxBodyBytes
	fs.Var(&c.maxBody, "max-body", "most bytes of a publish request's body; more get 413")
	fs.Var(&c.maxData, "max-data", "most bytes of one event's data (at most -max-body); more get 413")
	fs.Var(newDuration(&c.bodyTimeout, httpapi.DefaultBodyTimeout), "body-timeout", "a request body (a publish) must arrive within this; later, 408 or the connection closed (streams are not affected)")
}

func (c *config) clusterFlags(fs *flag.FlagSet) {
	fs.Var(newText(&c.redisURL, "", "url"), "redis", "the Redis that the nodes of a cluster share, as redis://[user:password@]host:port/db (rediss:// for TLS): events, history and presence live there; not with -store")
	fs.Var(newText(&c.redisSentinel, "", "host:port,..."), "redis-sentinel", "the sentinels that watch the cluster's Redis primary (with -redis-master): the node asks them for the primary and follows its failovers; -redis then gives only the password, user, db and TLS (redis://:password@/0)")
	fs.Var(newText(&c.redisMaster, "", "name"), "redis-master", "the name the sentinels of -redis-sentinel monitor the primary under")
	fs.Var(newText(&c.redisCluster, "", "host:port,..."), "redis-cluster", "some nodes of the Redis Cluster the nodes share (the rest is discovered); -redis then gives only the password, user and TLS; not with -redis-sentinel")
	fs.Var(newText(&c.redisPrefix, redis.DefaultPrefix, "prefix"), "redis-prefix", "start of every Redis key: the nodes of one cluster share it, another cluster on the same Redis needs its own")
	fs.Var(newInt(&c.redisReplicas, 0), "redis-replicas", "replicas of the Redis primary that must hold an event before its publish is acknowledged (Redis WAIT); when fewer confirm within 2s the publisher gets 503: the event may still appear, retry with the same Idempotency-Key")
	fs.Var(newText(&c.node, "", "name"), "node", "this node's name in the cluster's presence and logs (default: a random name)")
}

// parseError turns what fs.Parse returned into the error parseConfig
// returns: errHelp once the usage is written, the bad value's own message,
// or the flag package's (an unknown flag, with the likely intended one).
func parseError(fs *flag.FlagSet, err, bad error, stderr io.Writer) error {
	switch {
	case errors.Is(err, flag.ErrHelp):
		printUsage(stderr, fs)
		return errHelp
	case bad != nil:
		return bad
	}
	if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if s := suggest.Closest(strings.TrimLeft(name, "-"), names); s != "" {
			return fmt.Errorf("%v (did you mean -%s?)", err, s)
		}
	}
	return err
}

// secretFlags are the flags whose values no message may show.
var secretFlags = map[string]bool{"publish-key": true, "jwt-secret": true,
	"mercure-publisher-jwt-key": true, "mercure-subscriber-jwt-key": true}

// badValue is the message of a flag's bad value: the flag, or the
// environment variable env it came from, the value (quoted; left out for
// a secret flag; a Redis URL's password hidden) and what is wrong:
//
//	-tick "banana": want a duration such as 1s, 500ms or 1m30s
//	SSEHUB_TICK="banana" (-tick): want a duration such as 1s, 500ms or 1m30s
//	SSEHUB_PUBLISH_KEYS (-publish-key): a publish key must have at least 16 characters
func badValue(name, env, value string, problem error) error {
	quoted := ""
	switch u, err := url.Parse(value); {
	case secretFlags[name]:
	case name == "redis" && err == nil:
		quoted = strconv.Quote(u.Redacted())
	case name != "redis":
		quoted = strconv.Quote(value)
	}
	switch {
	case env == "" && quoted == "":
		return fmt.Errorf("-%s: %v", name, problem)
	case env == "":
		return fmt.Errorf("-%s %s: %v", name, quoted, problem)
	case quoted == "":
		return fmt.Errorf("%s (-%s): %v", env, name, problem)
	}
	return fmt.Errorf("%s=%s (-%s): %v", env, quoted, name, problem)
}

// bad is badValue for a flag of c, named as the user gave it.
func (c *config) bad(name, value, want string) error {
	env := ""
	if c.fromEnv[name] {
		env = c.envOf(name)
	}
	return badValue(name, env, value, errors.New(want))
}

// where names a flag in a message as the user gave it: "-jwt-secret", or
// "SSEHUB_JWT_SECRET (-jwt-secret)" when it came from the environment.
func (c *config) where(name string) string {
	if c.fromEnv[name] {
		return c.envOf(name) + " (-" + name + ")"
	}
	return "-" + name
}

// envOf is the variable a flag given in the environment was read from.
func (c *config) envOf(name string) string {
	if alias := c.envAlias[name]; alias != "" {
		return alias
	}
	return envName(name)
}

func (c *config) validate() error {
	if err := c.checkRanges(); err != nil {
		return err
	}
	if c.heartbeat == 0 {
		c.heartbeat = -1 // ssehub.Config: negative disables
	}
	for _, check := range []func() error{c.checkOrigins, c.checkAuth, c.checkStore, c.checkMetrics, c.checkTLS, c.checkMercure} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// checkRanges checks the numbers: each flag's first bad value is the error.
func (c *config) checkRanges() error {
	d := time.Duration.String
	n := strconv.Itoa
	for _, r := range []struct {
		bad             bool
		flag, got, want string
	}{
		{c.tick < 0, "tick", d(c.tick), "want 0 (off) or a positive duration such as 1s"},
		{c.heartbeat < 0, "heartbeat", d(c.heartbeat), "want 0 (off) or a positive duration such as 15s"},
		{c.retry < 0, "retry", d(c.retry), "want 0 or a positive duration such as 3s"},
		{c.queueBytes < 1<<10, "queue-size", c.queueBytes.String(), "want at least 1KiB"},
		{c.writeTimeout <= 0, "write-timeout", d(c.writeTimeout), "want a positive duration such as 10s"},
		{c.shutdownTimeout <= 0, "shutdown-timeout", d(c.shutdownTimeout), "want a positive duration such as 10s"},
		{c.historySize < 1, "history-size", n(c.historySize), "want at least 1"},
		{c.redisReplicas < 0 || c.redisReplicas > redis.MaxReplicas, "redis-replicas", n(c.redisReplicas), fmt.Sprintf("want 0 (acknowledge what the primary holds) to %d", redis.MaxReplicas)},
		{c.historyBytes < 64<<10, "history-bytes", c.historyBytes.String(), "want at least 64KiB"},
		{c.historyTTL < 0, "history-ttl", d(c.historyTTL), "want 0 (no age limit) or a positive duration such as 24h"},
		{c.kickMemory < time.Minute, "kick-memory", d(c.kickMemory), "want at least 1m"},
		{c.kickLimit < 1, "kick-limit", n(c.kickLimit), "want at least 1, such as 100000"},
		{c.limits.MaxStreams < 0, "max-streams", n(c.limits.MaxStreams), "want 0 (no limit) or more"},
		{c.limits.MaxStreamsPerClient < 0, "max-streams-per-client", n(c.limits.MaxStreamsPerClient), "want 0 (no limit) or more"},
		{c.limits.MaxStreamsPerAddress < 0, "max-streams-per-address", n(c.limits.MaxStreamsPerAddress), "want 0 (no limit) or more"},
		{c.limits.MaxTemplates < 0, "max-templates", n(c.limits.MaxTemplates), "want 0 (no limit) or more"},
		{c.limits.MaxTopics < 1 || c.limits.MaxTopics > ssehub.MaxTargets, "max-topics", n(c.limits.MaxTopics), fmt.Sprintf("want 1 to %d", ssehub.MaxTargets)},
		{c.limits.MaxNameLen < 1 || c.limits.MaxNameLen > ssehub.MaxNameLen, "max-name-length", n(c.limits.MaxNameLen), fmt.Sprintf("want 1 to %d", ssehub.MaxNameLen)},
		{c.maxBody < 1<<10, "max-body", c.maxBody.String(), "want at least 1KiB"},
		{c.bodyTimeout <= 0, "body-timeout", d(c.bodyTimeout), "want a positive duration such as 10s"},
		{c.h2MaxStreams < 1 || c.h2MaxStreams > 1<<20, "h2-max-streams", n(c.h2MaxStreams), "want 1 to 1048576"},
		{c.maxData < 1 || c.maxData > c.maxBody, "max-data", c.maxData.String(), fmt.Sprintf("want 1 byte to -max-body (%s)", c.maxBody.String())},
	} {
		if r.bad {
			return c.bad(r.flag, r.got, r.want)
		}
	}
	return nil
}

func (c *config) checkOrigins() error { _, err := c.origins(); return err }
func (c *config) checkAuth() error    { _, err := c.authorizer(); return err }

func (c *config) checkStore() error {
	if c.usesRedis() {
		return c.validateRedis()
	}
	if c.redisReplicas > 0 {
		return errors.New("-redis-replicas without a Redis: it counts the replicas of the Redis given by -redis, -redis-sentinel or -redis-cluster")
	}
	_, _, err := c.storeKind()
	return err
}

// checkMetrics checks that -metrics-addr, a well-formed address (see
// addrValue), is not -addr.
func (c *config) checkMetrics() error {
	if c.metricsAddr == "" {
		return nil
	}
	if c.metricsAddr == c.addr {
		return c.bad("metrics-addr", c.metricsAddr, "want another address than -addr (leave it empty to serve /metrics on -addr)")
	}
	return nil
}

// checkTLS loads -tls-cert and -tls-key, so that a missing file, a file
// that is not PEM or a key of another certificate stops start-up instead
// of failing every handshake.
func (c *config) checkTLS() error {
	switch {
	case c.tlsCert == "" && c.tlsKey == "":
		return nil
	case c.tlsCert == "":
		return errors.New("-tls-key without -tls-cert: give both (PEM files of a certificate and its key), or neither for plain HTTP")
	case c.tlsKey == "":
		return errors.New("-tls-cert without -tls-key: give both (PEM files of a certificate and its key), or neither for plain HTTP")
	}
	pair, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
	if err != nil {
		return fmt.Errorf("-tls-cert %q, -tls-key %q: %v (want PEM files of a certificate and of its private key)", c.tlsCert, c.tlsKey, err)
	}
	c.tlsPair = &pair
	return nil
}

// validateRedis checks the flags of a cluster node.
func (c *config) validateRedis() error {
	if c.set["store"] {
		return fmt.Errorf("-store and %s together: a cluster's events live in its Redis; give one of them (%[1]s for several nodes, -store for one)", c.redisFlag())
	}
	if c.redisURL != "" {
		if _, err := goredis.ParseURL(c.redisURL); err != nil {
			return c.bad("redis", c.redisURL, urlProblem(err)+"; want redis://[user:password@]host:port/db, or rediss:// for TLS")
		}
	}
	if err := c.validateRedisHA(); err != nil {
		return err
	}
	if c.redisPrefix == "" || strings.ContainsAny(c.redisPrefix, "{} \t\n") {
		return c.bad("redis-prefix", c.redisPrefix, "want a non-empty name without braces or spaces")
	}
	if strings.ContainsAny(c.node, "{} \t\n:") {
		return c.bad("node", c.node, "want a name without braces, colons or spaces")
	}
	return nil
}

// urlProblem says what is wrong with a Redis URL without quoting any of
// it: url.Parse's errors quote the whole URL, password included, and even
// their details (a "port" after a / in a password) may hold part of it.
func urlProblem(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return "not a valid URL (escape special characters of the user and password: %40 for @, %2F for /, %3A for :, %25 for %)"
	}
	return err.Error()
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
				return nil, c.bad("allow-origin", o, "want * or an origin such as https://app.example.com (no path)")
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// authorizer returns the subscriber token verifier the -jwt-* flags ask
// for, or nil when no key is set (streams are open). Its errors never show
// the secret.
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
	var keys []string // the flags the error below may be about
	if c.jwtSecret != "" {
		keys = append(keys, c.where("jwt-secret"))
	}
	if c.jwtPublicKey != "" {
		k, err := jwtauth.ReadPublicKey(c.jwtPublicKey)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", c.where("jwt-public-key"), err)
		}
		cfg.PublicKey = k
		keys = append(keys, c.where("jwt-public-key"))
	}
	v, err := jwtauth.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", strings.Join(keys, ", "), err)
	}
	return v, nil
}

// hubKickLimit is ssehub.Config.KickLimit: -kick-limit with subscriber
// tokens; without them, streams have no token to refuse, and the hub
// remembers no kick.
func (c *config) hubKickLimit(auth ssehub.Authorizer) int {
	if auth == nil {
		return -1
	}
	return c.kickLimit
}

// storeKind splits -store into its kind and, for bolt, the file path.
func (c *config) storeKind() (kind, path string, err error) {
	switch {
	case c.store == "memory":
		return "memory", "", nil
	case strings.HasPrefix(c.store, "bolt:") && len(c.store) > len("bolt:"):
		return "bolt", strings.TrimPrefix(c.store, "bolt:"), nil
	}
	return "", "", c.bad("store", c.store, "want memory or bolt:<path>")
}
