package main

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/internal/tlstest"
)

// allFlags is every flag the server has, with the environment variable and
// the default -h must show for it.
var allFlags = map[string]struct{ env, def string }{
	"addr":                       {"SSEHUB_ADDR", ":3020"},
	"tick":                       {"SSEHUB_TICK", "1s"},
	"heartbeat":                  {"SSEHUB_HEARTBEAT", "15s"},
	"retry":                      {"SSEHUB_RETRY", "3s"},
	"queue-size":                 {"SSEHUB_QUEUE_SIZE", "256KiB"},
	"write-timeout":              {"SSEHUB_WRITE_TIMEOUT", "10s"},
	"shutdown-timeout":           {"SSEHUB_SHUTDOWN_TIMEOUT", "10s"},
	"store":                      {"SSEHUB_STORE", "memory"},
	"history-size":               {"SSEHUB_HISTORY_SIZE", "100000"},
	"history-bytes":              {"SSEHUB_HISTORY_BYTES", "64MiB"},
	"history-ttl":                {"SSEHUB_HISTORY_TTL", "24h"},
	"allow-origin":               {"SSEHUB_ALLOW_ORIGIN", "(none)"},
	"publish-key":                {"SSEHUB_PUBLISH_KEYS", "(none)"},
	"jwt-secret":                 {"SSEHUB_JWT_SECRET", "(none)"},
	"jwt-public-key":             {"SSEHUB_JWT_PUBLIC_KEY", "(none)"},
	"jwt-audience":               {"SSEHUB_JWT_AUDIENCE", "(none)"},
	"jwt-issuer":                 {"SSEHUB_JWT_ISSUER", "(none)"},
	"kick-memory":                {"SSEHUB_KICK_MEMORY", "24h"},
	"kick-limit":                 {"SSEHUB_KICK_LIMIT", "100000"},
	"max-streams":                {"SSEHUB_MAX_STREAMS", "50000"},
	"max-streams-per-client":     {"SSEHUB_MAX_STREAMS_PER_CLIENT", "100"},
	"max-streams-per-address":    {"SSEHUB_MAX_STREAMS_PER_ADDRESS", "0"},
	"max-topics":                 {"SSEHUB_MAX_TOPICS", "100"},
	"max-templates":              {"SSEHUB_MAX_TEMPLATES", "1000"},
	"max-name-length":            {"SSEHUB_MAX_NAME_LENGTH", "256"},
	"max-body":                   {"SSEHUB_MAX_BODY", "1MiB"},
	"max-data":                   {"SSEHUB_MAX_DATA", "1MiB"},
	"body-timeout":               {"SSEHUB_BODY_TIMEOUT", "10s"},
	"allow-host":                 {"SSEHUB_ALLOW_HOSTS", "(none)"},
	"h2-max-streams":             {"SSEHUB_H2_MAX_STREAMS", "100"},
	"redis":                      {"SSEHUB_REDIS_URL", "(none)"},
	"redis-prefix":               {"SSEHUB_REDIS_PREFIX", "ssehub"},
	"node":                       {"SSEHUB_NODE", "(none)"},
	"log-format":                 {"SSEHUB_LOG_FORMAT", "text"},
	"log-level":                  {"SSEHUB_LOG_LEVEL", "info"},
	"metrics-addr":               {"SSEHUB_METRICS_ADDR", "(none)"},
	"tls-cert":                   {"SSEHUB_TLS_CERT", "(none)"},
	"tls-key":                    {"SSEHUB_TLS_KEY", "(none)"},
	"h2c":                        {"SSEHUB_H2C", "true"},
	"sse-params":                 {"SSEHUB_SSE_PARAMS", "(none)"},
	"version":                    {"(none)", "false"}, // an action, not a setting
	"mercure":                    {"SSEHUB_MERCURE", "false"},
	"mercure-publisher-jwt-key":  {"SSEHUB_MERCURE_PUBLISHER_JWT_KEY", "(none)"},
	"mercure-publisher-jwt-alg":  {"SSEHUB_MERCURE_PUBLISHER_JWT_ALG", "HS256"},
	"mercure-subscriber-jwt-key": {"SSEHUB_MERCURE_SUBSCRIBER_JWT_KEY", "(none)"},
	"mercure-subscriber-jwt-alg": {"SSEHUB_MERCURE_SUBSCRIBER_JWT_ALG", "HS256"},
	"mercure-anonymous":          {"SSEHUB_MERCURE_ANONYMOUS", "false"},
	"mercure-subscriptions":      {"SSEHUB_MERCURE_SUBSCRIPTIONS", "false"},
	"redis-sentinel":             {"SSEHUB_REDIS_SENTINEL", "(none)"},
	"redis-master":               {"SSEHUB_REDIS_MASTER", "(none)"},
	"redis-cluster":              {"SSEHUB_REDIS_CLUSTER", "(none)"},
	"redis-replicas":             {"SSEHUB_REDIS_REPLICAS", "0"},
}

// runToExit runs run(args, env), which must return on its own without ever
// becoming ready (it starts nothing), and returns its code and stderr.
func runToExit(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := new(lockedBuffer)
	ready := make(chan string, 1)
	code := make(chan int, 1)
	go func() { code <- run(ctx, args, envOf(env), stderr, ready) }()
	select {
	case c := <-code:
		if len(ready) > 0 {
			t.Errorf("run %q signalled ready on %s", args, <-ready)
		}
		if strings.Contains(stderr.String(), "listening") {
			t.Errorf("run %q started listening:\n%s", args, stderr)
		}
		return c, stderr.String()
	case addr := <-ready:
		cancel()
		<-code
		t.Fatalf("run %q (env %v) started serving on %s; want it to refuse to start\n%s", args, env, addr, stderr)
	case <-time.After(ssetest.Wait):
		cancel()
		<-code
		t.Fatalf("run %q did not return within %v", args, ssetest.Wait)
	}
	panic("unreachable")
}

// -h shows every flag on a line of its own with its environment variable
// and its default, and no flag that allFlags does not know.
func TestHelpListsEveryFlag(t *testing.T) {
	for _, h := range []string{"-h", "-help", "--help"} {
		code, out := runToExit(t, map[string]string{"SSEHUB_TICK": "not even a duration"}, h)
		if code != 0 {
			t.Errorf("%s: exit %d, want 0\n%s", h, code, out)
		}
		lines := helpLines(out)
		for f, want := range allFlags {
			fields := strings.Fields(lines[f])
			if len(fields) < 3 || fields[len(fields)-2] != want.env || fields[len(fields)-1] != want.def {
				t.Errorf("%s shows -%s as %q; want its line to end with %s %s", h, f, lines[f], want.env, want.def)
			}
		}
		for f := range lines {
			if _, ok := allFlags[f]; !ok {
				t.Errorf("%s lists -%s, which allFlags (and so the docs test) does not know", h, f)
			}
		}
	}
}

// helpLines returns the line of -h's output that starts each flag's entry.
func helpLines(out string) map[string]string {
	lines := make(map[string]string)
	for line := range strings.Lines(out) {
		if rest, ok := strings.CutPrefix(line, "  -"); ok {
			name, _, _ := strings.Cut(rest, " ")
			lines[strings.TrimSpace(name)] = strings.TrimSpace(line)
		}
	}
	return lines
}

// The flags table of docs/CONFIGURATION.md (which the README links) has a
// row for every flag.
func TestDocsListEveryFlag(t *testing.T) {
	b, err := os.ReadFile("../../docs/CONFIGURATION.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, found := strings.Cut(string(b), "\n## Flags and environment variables\n")
	if !found {
		t.Fatal(`docs/CONFIGURATION.md has no "## Flags and environment variables" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for f, want := range allFlags {
		if !strings.Contains(section, "`-"+f+"`") {
			t.Errorf("docs/CONFIGURATION.md's flags table has no row for -%s", f)
		}
		plain := "SSEHUB_" + strings.ToUpper(strings.ReplaceAll(f, "-", "_"))
		if want.env != plain && want.env != "(none)" && !strings.Contains(section, want.env) {
			t.Errorf("docs/CONFIGURATION.md's flags table does not name %s, the variable of -%s", want.env, f)
		}
	}
}

func TestBadConfigExits2(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want []string // stderr contains each
	}{
		{"unknown flag", nil, []string{"-nope"}, []string{"flag provided but not defined: -nope"}},
		{"misspelt flag", nil, []string{"-adr", ":9999"}, []string{"-adr"}},
		{"bad duration", nil, []string{"-tick", "soon"}, []string{`"soon"`, "-tick"}},
		{"duration without unit", nil, []string{"-shutdown-timeout", "10"}, []string{`"10"`, "-shutdown-timeout"}},
		{"queue size not a number", nil, []string{"-queue-size", "abc"}, []string{`"abc"`, "-queue-size"}},
		{"queue size too small", nil, []string{"-queue-size", "10"}, []string{"-queue-size"}},
		{"unknown store", nil, []string{"-store", "nope"}, []string{`"nope"`, "-store", "bolt:"}},
		{"bolt store without a path", nil, []string{"-store", "bolt:"}, []string{"-store"}},
		{"origin with a path", nil, []string{"-allow-origin", "https://app.example/x"}, []string{"-allow-origin", "no path"}},
		{"origin without a scheme", nil, []string{"-allow-origin", "app.example"}, []string{"-allow-origin"}},
		{"history size not a number", nil, []string{"-history-size", "many"}, []string{`"many"`, "-history-size"}},
		{"zero history size", nil, []string{"-history-size", "0"}, []string{"-history-size"}},
		{"history bytes not a size", nil, []string{"-history-bytes", "lots"}, []string{`"lots"`, "-history-bytes"}},
		{"history bytes too small", nil, []string{"-history-bytes", "1KiB"}, []string{"-history-bytes", "64KiB"}},
		{"negative tick", nil, []string{"-tick=-1s"}, []string{"-tick"}},
		{"negative stream limit", nil, []string{"-max-streams-per-client", "-1"}, []string{"-max-streams"}},
		{"name length over 256", nil, []string{"-max-name-length", "300"}, []string{"-max-name-length"}},
		{"no topics allowed", nil, []string{"-max-topics", "0"}, []string{"-max-topics"}},
		{"data over the body", nil, []string{"-max-body", "64KiB", "-max-data", "1MiB"}, []string{"-max-data", "-max-body"}},
		{"short jwt secret", nil, []string{"-jwt-secret", "short"}, []string{"-jwt-secret", "32 bytes"}},
		{"missing jwt public key", nil, []string{"-jwt-public-key", "/nonexistent/key.pem"}, []string{"-jwt-public-key", "/nonexistent/key.pem"}},
		{"jwt audience without a key", nil, []string{"-jwt-audience", "hub"}, []string{"-jwt-audience", "-jwt-secret"}},
		{"short publish key", nil, []string{"-publish-key", "secret"}, []string{"-publish-key", "16 characters"}},
		{"publish key with a space", nil, []string{"-publish-key", "0123456789 abcdefgh"}, []string{"-publish-key", "spaces"}},
		{"short key in SSEHUB_PUBLISH_KEYS", map[string]string{"SSEHUB_PUBLISH_KEYS": "0123456789abcdefgh,short"}, nil, []string{"SSEHUB_PUBLISH_KEYS", "16 characters"}},
		{"negative heartbeat", nil, []string{"-heartbeat", "-1s"}, []string{"-heartbeat"}},
		{"negative retry", nil, []string{"-retry", "-1s"}, []string{"-retry"}},
		{"zero write timeout", nil, []string{"-write-timeout", "0"}, []string{"-write-timeout"}},
		{"zero shutdown timeout", nil, []string{"-shutdown-timeout", "0s"}, []string{"-shutdown-timeout"}},
		{"zero kick limit", nil, []string{"-kick-limit", "0"}, []string{`-kick-limit "0"`, "at least 1"}},
		{"kick limit not a number", nil, []string{"-kick-limit", "100k"}, []string{`-kick-limit "100k"`, "whole number"}},
		{"bad SSEHUB_KICK_LIMIT", map[string]string{"SSEHUB_KICK_LIMIT": "-5"}, nil, []string{`SSEHUB_KICK_LIMIT="-5" (-kick-limit)`, "at least 1"}},
		{"negative history ttl", nil, []string{"-history-ttl", "-1h"}, []string{"-history-ttl"}},
		{"store and redis", nil, []string{"-store", "memory", "-redis", "redis://127.0.0.1:1/0"}, []string{"-store and -redis"}},
		{"bolt store and SSEHUB_REDIS_URL", map[string]string{"SSEHUB_REDIS_URL": "redis://127.0.0.1:1/0"}, []string{"-store", "bolt:/tmp/x.db"}, []string{"-store and -redis"}},
		{"redis URL of another scheme", nil, []string{"-redis", "http://127.0.0.1:6379"}, []string{"-redis", "redis://"}},
		{"redis URL's password not echoed", nil, []string{"-redis", "http://user:hunter2secret@127.0.0.1:6379"}, []string{"-redis", "xxxxx"}},
		{"sentinel without master", nil, []string{"-redis-sentinel", "127.0.0.1:26379"}, []string{"-redis-sentinel without -redis-master"}},
		{"master without sentinel", nil, []string{"-redis-master", "mymaster"}, []string{"-redis-master without -redis-sentinel"}},
		{"sentinel and cluster", nil, []string{"-redis-sentinel", "127.0.0.1:26379", "-redis-master", "m", "-redis-cluster", "127.0.0.1:7000"}, []string{"-redis-sentinel and -redis-cluster together"}},
		{"cluster and store", nil, []string{"-redis-cluster", "127.0.0.1:7000", "-store", "memory"}, []string{"-store and -redis-cluster together"}},
		{"sentinel and store", map[string]string{"SSEHUB_REDIS_SENTINEL": "127.0.0.1:26379", "SSEHUB_REDIS_MASTER": "m"}, []string{"-store", "memory"}, []string{"-store and -redis-sentinel together"}},
		{"sentinel not host:port", nil, []string{"-redis-sentinel", "127.0.0.1", "-redis-master", "m"}, []string{`-redis-sentinel "127.0.0.1"`, "host:port"}},
		{"cluster not host:port", map[string]string{"SSEHUB_REDIS_CLUSTER": "a:1,b"}, nil, []string{`SSEHUB_REDIS_CLUSTER="a:1,b" (-redis-cluster)`, "host:port"}},
		{"cluster with a db", nil, []string{"-redis-cluster", "127.0.0.1:7000", "-redis", "redis://:hunter2secret@/3"}, []string{"-redis", "only db 0", "xxxxx"}},
		{"redis prefix with a brace", nil, []string{"-redis", "redis://127.0.0.1:1/0", "-redis-prefix", "a{b"}, []string{"-redis-prefix"}},
		{"stray argument", nil, []string{"serve"}, []string{`unexpected argument "serve"`}},
		{"stray argument after flags", nil, []string{"-tick", "0", "extra"}, []string{`"extra"`}},

		{"bad SSEHUB_TICK", map[string]string{"SSEHUB_TICK": "soon"}, nil, []string{"SSEHUB_TICK", `"soon"`}},
		{"bad SSEHUB_QUEUE_SIZE", map[string]string{"SSEHUB_QUEUE_SIZE": "abc"}, nil, []string{"SSEHUB_QUEUE_SIZE", `"abc"`}},
		{"bad SSEHUB_HISTORY_SIZE", map[string]string{"SSEHUB_HISTORY_SIZE": "1e3"}, nil, []string{"SSEHUB_HISTORY_SIZE", `"1e3"`}},
		{"bad SSEHUB_SHUTDOWN_TIMEOUT", map[string]string{"SSEHUB_SHUTDOWN_TIMEOUT": "5"}, nil, []string{"SSEHUB_SHUTDOWN_TIMEOUT"}},
		{"bad SSEHUB_STORE", map[string]string{"SSEHUB_STORE": "redis://x"}, nil, []string{`"redis://x"`, "store"}},
		{"negative SSEHUB_HEARTBEAT", map[string]string{"SSEHUB_HEARTBEAT": "-5s"}, nil, []string{"heartbeat"}},

		// Each bad value names the flag and says what is wanted, with an example.
		{"banana tick", nil, []string{"-tick", "banana"}, []string{`-tick "banana"`, "duration such as 1s"}},
		{"duration without a unit", nil, []string{"-retry", "3"}, []string{`-retry "3"`, "with a unit", "3s"}},
		{"size with a wrong suffix", nil, []string{"-max-body", "1MB"}, []string{`-max-body "1MB"`, "256KiB"}},
		{"integer with a unit", nil, []string{"-max-topics", "10k"}, []string{`-max-topics "10k"`, "whole number"}},
		{"integer too large", nil, []string{"-max-streams", "99999999999999999999"}, []string{"-max-streams", "smaller"}},
		{"bad bool", nil, []string{"-h2c=maybe"}, []string{`-h2c "maybe"`, "true or false"}},
		{"bad log format", nil, []string{"-log-format", "xml"}, []string{`-log-format "xml"`, "text, json"}},
		{"bad log level", nil, []string{"-log-level", "verbose"}, []string{`-log-level "verbose"`, "debug, info, warn, error"}},
		{"bad SSEHUB_LOG_LEVEL", map[string]string{"SSEHUB_LOG_LEVEL": "loud"}, nil, []string{`SSEHUB_LOG_LEVEL="loud" (-log-level)`, "debug"}},
		{"zero body timeout", nil, []string{"-body-timeout", "0s"}, []string{`-body-timeout "0s"`, "positive duration"}},
		{"bad SSEHUB_BODY_TIMEOUT", map[string]string{"SSEHUB_BODY_TIMEOUT": "10"}, nil, []string{`SSEHUB_BODY_TIMEOUT="10" (-body-timeout)`, "10s"}},
		{"negative redis replicas", nil, []string{"-redis-replicas", "-1"}, []string{`-redis-replicas "-1"`, "0 (acknowledge what the primary holds) to 16"}},
		{"redis replicas without a redis", nil, []string{"-redis-replicas", "1"}, []string{"-redis-replicas without a Redis"}},
		{"too many redis replicas", nil, []string{"-redis-replicas", "17"}, []string{`-redis-replicas "17"`, "to 16"}},
		{"bad SSEHUB_REDIS_REPLICAS", map[string]string{"SSEHUB_REDIS_REPLICAS": "two"}, nil, []string{`SSEHUB_REDIS_REPLICAS="two" (-redis-replicas)`, "whole number"}},
		{"zero h2 streams", nil, []string{"-h2-max-streams", "0"}, []string{`-h2-max-streams "0"`, "1 to"}},
		{"bad SSEHUB_H2_MAX_STREAMS", map[string]string{"SSEHUB_H2_MAX_STREAMS": "lots"}, nil, []string{`SSEHUB_H2_MAX_STREAMS="lots" (-h2-max-streams)`, "whole number"}},
		{"allowed host with a port", nil, []string{"-allow-host", "hub.internal:3020"}, []string{`-allow-host "hub.internal:3020"`, "no scheme, port"}},
		{"bad SSEHUB_ALLOW_HOSTS", map[string]string{"SSEHUB_ALLOW_HOSTS": "hub.internal,https://x"}, nil, []string{`SSEHUB_ALLOW_HOSTS="hub.internal,https://x" (-allow-host)`, "host names"}},
		{"bad SSEHUB_H2C", map[string]string{"SSEHUB_H2C": "yes please"}, nil, []string{`SSEHUB_H2C="yes please" (-h2c)`, "true or false"}},
		{"range error from the environment", map[string]string{"SSEHUB_MAX_TOPICS": "0"}, nil, []string{`SSEHUB_MAX_TOPICS="0" (-max-topics)`, "1 to"}},
		{"misspelt flag's likely name", nil, []string{"-shutdown-timout", "1s"}, []string{"-shutdown-timout", "did you mean -shutdown-timeout?"}},
		{"flag without its value", nil, []string{"-tick"}, []string{"-tick", "ssehub -h"}},
		{"metrics address without a port", nil, []string{"-metrics-addr", "9090"}, []string{`-metrics-addr "9090"`, ":9090"}},
		{"metrics port out of range", nil, []string{"-metrics-addr", "127.0.0.1:70000"}, []string{`-metrics-addr "127.0.0.1:70000"`, "0 to 65535"}},
		{"address that is a word", nil, []string{"-addr", "banana"}, []string{`-addr "banana"`, "host:port", ":3020"}},
		{"port out of range", nil, []string{"-addr", ":99999"}, []string{`-addr ":99999"`, "0 to 65535"}},
		{"port that is a word", nil, []string{"-addr", "localhost:http"}, []string{`-addr "localhost:http"`, "0 to 65535"}},
		{"negative port", nil, []string{"-addr", ":-1"}, []string{`-addr ":-1"`, "0 to 65535"}},
		{"empty address", nil, []string{"-addr="}, []string{`-addr ""`, "host:port"}},
		{"address with a scheme", nil, []string{"-addr", "http://127.0.0.1:8080"}, []string{"-addr", "without a scheme"}},
		{"address with a path", nil, []string{"-addr", "127.0.0.1/x:8080"}, []string{`-addr "127.0.0.1/x:8080"`, "no scheme, path or spaces"}},
		{"IPv6 address without brackets", nil, []string{"-addr", "::1:8080"}, []string{`-addr "::1:8080"`, "host:port"}},
		{"bad SSEHUB_ADDR", map[string]string{"SSEHUB_ADDR": "3020"}, nil, []string{`SSEHUB_ADDR="3020" (-addr)`, "host:port"}},
		{"bad SSEHUB_METRICS_ADDR", map[string]string{"SSEHUB_METRICS_ADDR": ":65536"}, nil, []string{`SSEHUB_METRICS_ADDR=":65536" (-metrics-addr)`, "0 to 65535"}},
		{"a query string in -sse-params", nil, []string{"-sse-params", "_=1"}, []string{`-sse-params "_=1"`, "separated by commas"}},
		{"an empty name in SSEHUB_SSE_PARAMS", map[string]string{"SSEHUB_SSE_PARAMS": "_,,v"}, nil, []string{`SSEHUB_SSE_PARAMS="_,,v" (-sse-params)`, "_,v"}},
		{"flag in upper case", nil, []string{"-ADDR", ":1"}, []string{"-ADDR", "did you mean -addr?"}},
		{"metrics address is the main one", nil, []string{"-addr", "127.0.0.1:7001", "-metrics-addr", "127.0.0.1:7001"}, []string{"-metrics-addr", "empty"}},
		{"tls cert without key", nil, []string{"-tls-cert", "cert.pem"}, []string{"-tls-cert without -tls-key"}},
		{"tls key without cert", map[string]string{"SSEHUB_TLS_KEY": "key.pem"}, nil, []string{"-tls-key without -tls-cert"}},
		{"missing tls files", nil, []string{"-tls-cert", "/nonexistent/cert.pem", "-tls-key", "/nonexistent/key.pem"}, []string{"-tls-cert", "/nonexistent/cert.pem", "no such file"}},
		{"tls files that are not PEM", nil, []string{"-tls-cert", "config_test.go", "-tls-key", "config_test.go"}, []string{"-tls-cert", "PEM"}},
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
		})
	}
}

func TestAddrFromEnvAndFlag(t *testing.T) {
	t.Run("SSEHUB_ADDR", func(t *testing.T) {
		addr := freeAddr(t)
		r := startRun(t, map[string]string{"SSEHUB_ADDR": addr, "SSEHUB_TICK": "0"})
		if r.addr != addr {
			t.Errorf("listening on %s, want SSEHUB_ADDR %s", r.addr, addr)
		}
		if code, _, err := r.post("/ping/nobody", "", ""); err != nil || code != 404 {
			t.Errorf("POST /ping/nobody on %s: %d %v, want 404", addr, code, err)
		}
		if code, took := r.stop(t, ssetest.Wait); code != 0 {
			t.Errorf("exit %d after %v, want 0", code, took)
		}
		if !refused(addr) {
			t.Errorf("%s still accepts connections after run returned", addr)
		}
	})
	t.Run("flag overrides env", func(t *testing.T) {
		envAddr, flagAddr := freeAddr(t), freeAddr(t)
		r := startRun(t, map[string]string{"SSEHUB_ADDR": envAddr, "SSEHUB_TICK": "0"}, "-addr", flagAddr)
		if r.addr != flagAddr {
			t.Errorf("listening on %s, want the -addr flag's %s (SSEHUB_ADDR was %s)", r.addr, flagAddr, envAddr)
		}
		if !refused(envAddr) {
			t.Errorf("something listens on SSEHUB_ADDR %s too", envAddr)
		}
	})
	t.Run("flag overrides an env address that cannot work", func(t *testing.T) {
		r := startRun(t, map[string]string{"SSEHUB_ADDR": "256.0.0.1:http", "SSEHUB_TICK": "0"}, "-addr", "127.0.0.1:0")
		if !strings.HasPrefix(r.addr, "127.0.0.1:") {
			t.Errorf("listening on %s, want 127.0.0.1", r.addr)
		}
	})
}

// A store file that is not an ssehub log stops start-up with exit 1 and a
// message naming the file, and the file is left as it was.
func TestUnusableStoreFailsStartUp(t *testing.T) {
	t.Run("redis not answering", func(t *testing.T) {
		code, stderr := runToExit(t, nil, "-addr", "127.0.0.1:0", "-tick", "0", "-redis", "redis://:pa55word@"+freeAddr(t)+"/0")
		if code != 1 || !strings.Contains(stderr, "-redis") || strings.Contains(stderr, "pa55word") {
			t.Errorf("exit %d, stderr %q; want 1 and a message naming -redis, without the password", code, stderr)
		}
	})
	dir := t.TempDir()
	garbage := filepath.Join(dir, "events.db")
	content := []byte(strings.Repeat("not a bolt file\n", 512))
	if err := os.WriteFile(garbage, content, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stderr := runToExit(t, nil, "-addr", "127.0.0.1:0", "-tick", "0", "-store", "bolt:"+garbage)
	if code != 1 || !strings.Contains(stderr, garbage) {
		t.Errorf("exit %d, stderr %q; want 1 and a message naming %s", code, stderr, garbage)
	}
	if after, _ := os.ReadFile(garbage); string(after) != string(content) {
		t.Error("the refused file was changed")
	}
	code, stderr = runToExit(t, nil, "-addr", "127.0.0.1:0", "-tick", "0", "-store", "bolt:"+filepath.Join(dir, "no-such-dir", "events.db"))
	if code != 1 || !strings.Contains(stderr, "no-such-dir") {
		t.Errorf("unreachable path: exit %d, stderr %q; want 1 and a message naming the path", code, stderr)
	}
}

// A well-formed address that cannot be listened on (in use) is a failure
// to start, exit 1 with a message naming the flag, not a bad value; and
// nothing is left listening.
func TestListenFailureExits1(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	taken := busy.Addr().String()
	free := freeAddr(t)
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"-addr in use", nil, []string{"-addr", taken}, []string{"cannot listen", "-addr", "address already in use"}},
		{"SSEHUB_ADDR in use", map[string]string{"SSEHUB_ADDR": taken}, nil, []string{"cannot listen", "SSEHUB_ADDR (-addr)", "address already in use"}},
		{"-metrics-addr in use", nil, []string{"-addr", free, "-metrics-addr", taken}, []string{"cannot listen", "-metrics-addr", "address already in use"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stderr := runToExit(t, c.env, append(c.args, "-tick", "0")...)
			if code != 1 {
				t.Errorf("exit %d, want 1\n%s", code, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, stderr)
				}
			}
			if !refused(free) {
				t.Errorf("%s (-addr) still accepts connections after run returned 1", free)
			}
		})
	}
}

// parse runs parseConfig with env as the whole environment.
func parse(t *testing.T, env map[string]string, args ...string) (config, error) {
	t.Helper()
	var names []string
	for k := range env {
		names = append(names, k)
	}
	slices.Sort(names)
	return parseConfig(args, environment{get: envOf(env), names: names}, io.Discard)
}

// No message ever shows a secret flag's value, nor a Redis password,
// wherever the value came from and whatever is wrong with it.
func TestSecretsNeverEchoed(t *testing.T) {
	const secret = "hunter2"
	cases := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"short -publish-key", nil, []string{"-publish-key", secret}},
		{"-publish-key with a space", nil, []string{"-publish-key", secret + " " + secret + secret}},
		{"short key in SSEHUB_PUBLISH_KEYS", map[string]string{"SSEHUB_PUBLISH_KEYS": "0123456789abcdefgh," + secret}, nil},
		{"short -jwt-secret", nil, []string{"-jwt-secret", secret}},
		{"short SSEHUB_JWT_SECRET", map[string]string{"SSEHUB_JWT_SECRET": secret}, nil},
		{"-redis of another scheme", nil, []string{"-redis", "http://u:" + secret + "@127.0.0.1:1/0"}},
		{"-redis with a bad port", nil, []string{"-redis", "redis://u:" + secret + "@127.0.0.1:port/0"}},
		{"-redis with a / in the password", nil, []string{"-redis", "redis://u:hun/ter2@127.0.0.1/0"}},
		{"-redis with a bad escape", nil, []string{"-redis", "redis://u:" + secret + "%zz@127.0.0.1/0"}},
		{"SSEHUB_REDIS_URL with a bad database", map[string]string{"SSEHUB_REDIS_URL": "redis://u:" + secret + "@127.0.0.1:1/x"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"SSEHUB_ADDR": "127.0.0.1:0"}
			maps.Copy(env, c.env)
			code, out := runToExit(t, env, c.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2\n%s", code, out)
			}
			for _, s := range []string{secret, "hun/ter2", "ter2"} {
				if strings.Contains(out, s) {
					t.Errorf("the message shows the secret (%q):\n%s", s, out)
				}
			}
			if !strings.Contains(out, "-publish-key") && !strings.Contains(out, "-jwt-secret") && !strings.Contains(out, "-redis") {
				t.Errorf("the message does not name the flag:\n%s", out)
			}
		})
	}
}

// Every flag but -version can be set in the environment, and the command
// line wins over it.
func TestEveryFlagFromEnv(t *testing.T) {
	cert, key := tlstest.New(t).Files(t)
	sample := map[string]string{
		"addr": "127.0.0.1:0", "tick": "2s", "heartbeat": "20s", "retry": "1s", "queue-size": "512KiB",
		"write-timeout": "5s", "shutdown-timeout": "3s", "store": "memory", "history-size": "10",
		"history-bytes": "1MiB", "history-ttl": "1h", "allow-origin": "https://app.example.com",
		"publish-key": "0123456789abcdefgh", "jwt-secret": "a-subscriber-secret-of-32-bytes!",
		"jwt-audience": "hub", "jwt-issuer": "us", "kick-memory": "2h", "kick-limit": "500", "max-streams": "10",
		"max-streams-per-client": "5", "max-streams-per-address": "7", "max-topics": "3", "max-templates": "9",
		"max-name-length": "64", "max-body": "64KiB", "max-data": "32KiB",
		"redis-prefix": "other", "redis-replicas": "0", "node": "n1", "log-format": "json", "log-level": "debug",
		"metrics-addr": "127.0.0.1:9090", "tls-cert": cert, "tls-key": key, "h2c": "false",
		"body-timeout": "2s", "allow-host": "hub.internal", "h2-max-streams": "20",
		"sse-params": "_, v",
		"mercure":    "true", "mercure-publisher-jwt-key": "a-mercure-publisher-key-of-32-bytes",
		"mercure-publisher-jwt-alg": "HS256", "mercure-subscriber-jwt-key": "a-mercure-subscriber-key-of-32-bytes",
		"mercure-subscriber-jwt-alg": "HS256", "mercure-anonymous": "true", "mercure-subscriptions": "true",
	}
	env := make(map[string]string)
	for f, want := range allFlags {
		switch v, ok := sample[f]; {
		case ok:
			env[want.env] = v
		case f != "version" && f != "redis" && f != "jwt-public-key" && !strings.HasPrefix(f, "redis-") || f == "redis-prefix": // those are tested elsewhere (TestRedisHAFlagsFromEnv)
			t.Errorf("no sample value for -%s", f)
		}
	}
	c, err := parse(t, env)
	if err != nil {
		t.Fatal(err)
	}
	for f := range sample {
		if !c.set[f] || !c.fromEnv[f] {
			t.Errorf("%s did not set -%s", allFlags[f].env, f)
		}
	}
	if c.tick != 2*time.Second || c.limits.MaxTopics != 3 || c.logFormat != "json" || slog.Level(c.logLevel) != slog.LevelDebug ||
		c.h2c || c.tlsPair == nil || c.metricsAddr != "127.0.0.1:9090" || len(c.unknownEnv) != 0 ||
		c.bodyTimeout != 2*time.Second || c.h2MaxStreams != 20 || !slices.Equal(c.allowHosts, []string{"hub.internal"}) ||
		!slices.Equal(c.sseParams, []string{"_", "v"}) {
		t.Errorf("config from the environment: %+v", c)
	}

	c, err = parse(t, env, "-tick", "3s", "-publish-key", "flag-key-0123456789", "-h2c")
	if err != nil {
		t.Fatal(err)
	}
	if c.tick != 3*time.Second || !c.h2c || c.fromEnv["tick"] || !slices.Equal(c.publishKeys, []string{"flag-key-0123456789"}) {
		t.Errorf("the command line did not win: tick %v, h2c %v, keys %d", c.tick, c.h2c, len(c.publishKeys))
	}
}

func TestDefaults(t *testing.T) {
	c, err := parse(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.logFormat != "text" || slog.Level(c.logLevel) != slog.LevelInfo || !c.h2c || c.tlsPair != nil || c.metricsAddr != "" {
		t.Errorf("defaults: format %s, level %v, h2c %v, tls %v, metrics %q", c.logFormat, c.logLevel, c.h2c, c.tlsPair != nil, c.metricsAddr)
	}
	if c, err := parse(t, nil, "-h2c=false", "-log-level", "WARN"); err != nil || c.h2c || slog.Level(c.logLevel) != slog.LevelWarn {
		t.Errorf("-h2c=false -log-level WARN: h2c %v, level %v, %v", c.h2c, c.logLevel, err)
	}
}

func TestTLSPair(t *testing.T) {
	cert, key := tlstest.New(t).Files(t)
	c, err := parse(t, nil, "-tls-cert", cert, "-tls-key", key)
	if err != nil || c.tlsPair == nil || len(c.tlsPair.Certificate) != 1 {
		t.Fatalf("a good pair: %v", err)
	}
	_, otherKey := tlstest.New(t).Files(t)
	if _, err := parse(t, nil, "-tls-cert", cert, "-tls-key", otherKey); err == nil || !strings.Contains(err.Error(), "-tls-key") {
		t.Errorf("the key of another certificate: %v, want an error naming -tls-key", err)
	}
	if _, err := parse(t, nil, "-tls-cert", key, "-tls-key", cert); err == nil {
		t.Error("cert and key swapped: no error")
	}
}

// -allow-host takes names in several flags or separated by commas, from the
// command line or SSEHUB_ALLOW_HOSTS.
func TestAllowHosts(t *testing.T) {
	c, err := parse(t, nil, "-allow-host", "hub.internal, ssehub", "-allow-host", "Hub.Example.com")
	if err != nil || !slices.Equal(c.allowHosts, []string{"hub.internal", "ssehub", "Hub.Example.com"}) {
		t.Errorf("-allow-host twice: %q, %v", c.allowHosts, err)
	}
	c, err = parse(t, map[string]string{"SSEHUB_ALLOW_HOSTS": "a.internal,b.internal"})
	if err != nil || !slices.Equal(c.allowHosts, []string{"a.internal", "b.internal"}) || !c.fromEnv["allow-host"] {
		t.Errorf("SSEHUB_ALLOW_HOSTS: %q, %v", c.allowHosts, err)
	}
}

// Without -max-streams, the limit is ssehub.DefaultMaxStreams, or less
// where the open-files limit would run out first; given, it is kept (0: no
// limit).
func TestDefaultMaxStreams(t *testing.T) {
	for files, want := range map[uint64]int{0: 50000, 1 << 20: 50000, 50500: 50000, 20000: 19500, 1024: 524, 800: 400} {
		if got := defaultMaxStreams(files); got != want {
			t.Errorf("defaultMaxStreams(%d) = %d, want %d", files, got, want)
		}
	}
	for _, c := range []struct {
		args  []string
		want  int
		given bool
	}{{nil, 50000, false}, {[]string{"-max-streams", "0"}, 0, true}, {[]string{"-max-streams", "70000"}, 70000, true}} {
		cfg, err := parse(t, nil, c.args...)
		if err != nil || cfg.limits.MaxStreams != c.want || cfg.set["max-streams"] != c.given {
			t.Errorf("%q: MaxStreams %d (given %v), %v; want %d", c.args, cfg.limits.MaxStreams, cfg.set["max-streams"], err, c.want)
		}
	}
}
