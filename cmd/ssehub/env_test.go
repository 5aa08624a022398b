package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ssehub/ssehub/internal/ssetest"
)

// An SSEHUB_ variable no flag reads is reported with the name probably
// meant, and start-up goes on.
func TestUnknownEnv(t *testing.T) {
	c, err := parse(t, map[string]string{
		"SSEHUB_ADRR":          ":1",  // a typo
		"SSEHUB_PUBLISH_KEY":   "x",   // the flag's name, not its variable
		"SSEHUB_REDIS":         "x",   // likewise
		"ssehub_tick":          "0",   // lower case is not read
		"SSEHUB_TICK_PERIOD":   "1s",  // nothing close
		"SSEHUB_VERSION":       "1",   // -version has no variable
		"SSEHUB_REQUIRE_REDIS": "1",   // the test suite's own
		"SSEHUB_ADDR":          ":0",  // known
		"HOME":                 "/x",  // not ours
		"SSEHUBX":              "nah", // not ours either
	})
	if err != nil {
		t.Fatal(err)
	}
	got := make(map[string]string)
	for _, w := range c.unknownEnv {
		got[w.name] = w.suggest
	}
	want := map[string]string{
		"SSEHUB_ADRR":        "SSEHUB_ADDR",
		"SSEHUB_PUBLISH_KEY": "SSEHUB_PUBLISH_KEYS",
		"SSEHUB_REDIS":       "SSEHUB_REDIS_URL",
		"ssehub_tick":        "SSEHUB_TICK",
		"SSEHUB_TICK_PERIOD": "",
		"SSEHUB_VERSION":     "",
	}
	if len(got) != len(want) {
		t.Errorf("reported %v, want %v", got, want)
	}
	for name, suggest := range want {
		if s, ok := got[name]; !ok || s != suggest {
			t.Errorf("%s: reported %v with suggestion %q, want %q", name, ok, s, suggest)
		}
	}
}

// The warning reaches the log, with the name and never the value.
func TestUnknownEnvLogged(t *testing.T) {
	const value = "a-value-that-may-be-a-secret"
	t.Setenv("SSEHUB_JWT_SECRT", value) // run sees the names of the process's environment
	r := startRun(t, map[string]string{"SSEHUB_JWT_SECRT": value, "SSEHUB_TICK": "0"}, "-addr", "127.0.0.1:0")
	r.stop(t, ssetest.Wait)
	log := r.stderr.String()
	if !strings.Contains(log, "var=SSEHUB_JWT_SECRT") || !strings.Contains(log, "did_you_mean=SSEHUB_JWT_SECRET") {
		t.Errorf("no warning naming SSEHUB_JWT_SECRT and SSEHUB_JWT_SECRET:\n%s", log)
	}
	if strings.Contains(log, value) {
		t.Errorf("the variable's value is in the log:\n%s", log)
	}
}

// environNames lists only what the getenv given sees.
func TestEnvironNames(t *testing.T) {
	t.Setenv("SSEHUB_TEST_NAME", "x")
	if names := environNames(os.Getenv); !slices.Contains(names, "SSEHUB_TEST_NAME") {
		t.Errorf("os.Getenv: %v lacks SSEHUB_TEST_NAME", names)
	}
	if names := environNames(envOf(nil)); len(names) != 0 {
		t.Errorf("an empty getenv: %v, want none", names)
	}
}

// The variables CI exports for the test suite are not reported as unknown
// settings by the hubs the tests start.
func TestToolingEnvNotReported(t *testing.T) {
	c, err := parse(t, map[string]string{"SSEHUB_REQUIRE_REDIS": "1", "SSEHUB_REQUIRE_DOCKER": "1",
		"SSEHUB_REQUIRE_BROWSER": "1", "SSEHUB_REQUIRE_NODE": "1", "SSEHUB_REQUIRE_NGINX": "1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.unknownEnv) > 0 {
		t.Errorf("reported as unknown: %v", c.unknownEnv)
	}
}
