package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/ssetest"
)

// allFlags is every flag the server has; -h must list each.
var allFlags = []string{
	"addr", "tick", "heartbeat", "retry", "queue-size", "write-timeout",
	"shutdown-timeout", "store", "history-size", "history-bytes", "history-ttl", "allow-origin", "publish-key",
	"jwt-secret", "jwt-public-key", "jwt-audience", "jwt-issuer",
	"kick-memory", "max-streams", "max-streams-per-client", "max-streams-per-address", "max-topics", "max-name-length", "max-body", "max-data",
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

func TestHelpListsEveryFlag(t *testing.T) {
	for _, h := range []string{"-h", "-help", "--help"} {
		code, out := runToExit(t, nil, h)
		if code != 0 {
			t.Errorf("%s: exit %d, want 0\n%s", h, code, out)
		}
		for _, f := range allFlags {
			if !strings.Contains(out, "  -"+f+" ") && !strings.Contains(out, "  -"+f+"\n") {
				t.Errorf("%s does not list -%s:\n%s", h, f, out)
			}
		}
		if !strings.Contains(out, "SSEHUB_") {
			t.Errorf("%s does not mention the SSEHUB_* environment variables:\n%s", h, out)
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
		{"negative history ttl", nil, []string{"-history-ttl", "-1h"}, []string{"-history-ttl"}},
		{"store and redis", nil, []string{"-store", "memory", "-redis", "redis://127.0.0.1:1/0"}, []string{"-store and -redis"}},
		{"bolt store and SSEHUB_REDIS_URL", map[string]string{"SSEHUB_REDIS_URL": "redis://127.0.0.1:1/0"}, []string{"-store", "bolt:/tmp/x.db"}, []string{"-store and -redis"}},
		{"redis URL of another scheme", nil, []string{"-redis", "http://127.0.0.1:6379"}, []string{"-redis", "redis://"}},
		{"redis URL's password not echoed", nil, []string{"-redis", "http://user:hunter2secret@127.0.0.1:6379"}, []string{"-redis", "xxxxx"}},
		{"redis prefix with a brace", nil, []string{"-redis", "redis://127.0.0.1:1/0", "-redis-prefix", "a{b"}, []string{"-redis-prefix"}},
		{"stray argument", nil, []string{"serve"}, []string{`unexpected argument "serve"`}},
		{"stray argument after flags", nil, []string{"-tick", "0", "extra"}, []string{`"extra"`}},

		{"bad SSEHUB_TICK", map[string]string{"SSEHUB_TICK": "soon"}, nil, []string{"SSEHUB_TICK", `"soon"`}},
		{"bad SSEHUB_QUEUE_SIZE", map[string]string{"SSEHUB_QUEUE_SIZE": "abc"}, nil, []string{"SSEHUB_QUEUE_SIZE", `"abc"`}},
		{"bad SSEHUB_HISTORY_SIZE", map[string]string{"SSEHUB_HISTORY_SIZE": "1e3"}, nil, []string{"SSEHUB_HISTORY_SIZE", `"1e3"`}},
		{"bad SSEHUB_SHUTDOWN_TIMEOUT", map[string]string{"SSEHUB_SHUTDOWN_TIMEOUT": "5"}, nil, []string{"SSEHUB_SHUTDOWN_TIMEOUT"}},
		{"bad SSEHUB_STORE", map[string]string{"SSEHUB_STORE": "redis://x"}, nil, []string{`"redis://x"`, "store"}},
		{"negative SSEHUB_HEARTBEAT", map[string]string{"SSEHUB_HEARTBEAT": "-5s"}, nil, []string{"heartbeat"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"SSEHUB_ADDR": "127.0.0.1:0"}
			for k, v := range c.env {
				env[k] = v
			}
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
