package main

import (
	"net/http"
	"strings"
	"testing"
)

// A Mercure hub's keys protect only /.well-known/mercure: without
// -publish-key, POST /publish publishes to Mercure topics with no token at
// all (and /clients shows subscribers' payloads). The hub says so at start,
// naming what is open; with -publish-key and -jwt-secret it does not.
func TestMercureWarnsOfOpenAPI(t *testing.T) {
	open := startHub(t, "-mercure", "-mercure-publisher-jwt-key", mercurePubKey, "-mercure-subscriber-jwt-key", mercureSubKey)
	if code, body := open.request(t, "POST", "/publish", `{"topics": ["https://example.com/books/1"], "data": "no token"}`,
		"Content-Type", "application/json"); code != http.StatusOK {
		t.Fatalf("POST /publish on a hub without a publish key: %d %s, want 200 (open)", code, body)
	}
	log := open.stderr.String()
	for _, want := range []string{"Mercure keys", "POST /publish", "/clients", "/sse", "-publish-key", "-jwt-secret"} {
		if !strings.Contains(log, want) {
			t.Errorf("the warning of the open API does not say %q:\n%s", want, log)
		}
	}
	closed := startHub(t, "-mercure", "-mercure-publisher-jwt-key", mercurePubKey, "-mercure-subscriber-jwt-key", mercureSubKey,
		"-publish-key", "a-publish-key-of-at-least-32-bytes!!", "-jwt-secret", "an-sse-subscriber-secret-32bytes")
	if log := closed.stderr.String(); strings.Contains(log, "Mercure keys") {
		t.Errorf("the open-API warning was logged with -publish-key and -jwt-secret:\n%s", log)
	}
}
