package main

import (
	"context"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/ssehub/ssehub/internal/ssetest"
)

// send makes one request with header (none when nil) and returns the
// status and body; the request must be answered within ssetest.Wait.
func (r *running) send(t *testing.T, method, path, body string, header http.Header) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, r.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(req.Header, header)
	resp, err := r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// postWithKey posts a form to path with Authorization: Bearer key (none
// when key is empty).
func (r *running) postWithKey(t *testing.T, path, key, body string) (int, string) {
	t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if key != "" {
		h.Set("Authorization", "Bearer "+key)
	}
	return r.send(t, http.MethodPost, path, body, h)
}

// Keys from the flag and from SSEHUB_PUBLISH_KEYS (comma-separated) are
// required for publishing; without any, the hub warns at start that it is
// open. No key ever reaches the log.
func TestPublishKeyFlags(t *testing.T) {
	const a, b = "key-aaaaaaaaaaaaaaaa", "key-bbbbbbbbbbbbbbbb"
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"flags", nil, []string{"-addr", "127.0.0.1:0", "-tick", "0", "-publish-key", a, "-publish-key", b}},
		{"env", map[string]string{"SSEHUB_PUBLISH_KEYS": a + ", " + b}, []string{"-addr", "127.0.0.1:0", "-tick", "0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := startRun(t, c.env, c.args...)
			if code, body := r.postWithKey(t, "/publish", "", "broadcast=true"); code != http.StatusUnauthorized {
				t.Errorf("publish without a key: %d %s, want 401", code, body)
			}
			for _, key := range []string{a, b} {
				if code, body := r.postWithKey(t, "/publish", key, "broadcast=true"); code != http.StatusOK {
					t.Errorf("publish with key %q: %d %s, want 200", key, code, body)
				}
			}
			if code, body := r.postWithKey(t, "/ping/nobody", "", ""); code != http.StatusUnauthorized {
				t.Errorf("ping without a key: %d %s, want 401", code, body)
			}
			log := r.stderr.String()
			if strings.Contains(log, a) || strings.Contains(log, b) {
				t.Errorf("a publish key appears in the log:\n%s", log)
			}
			if strings.Contains(log, "running open") {
				t.Errorf("the open-mode warning was logged with publish keys set:\n%s", log)
			}
		})
	}
	t.Run("open", func(t *testing.T) {
		r := startRun(t, nil, "-addr", "127.0.0.1:0", "-tick", "0")
		if log := r.stderr.String(); !strings.Contains(log, "running open") || !strings.Contains(log, "any client id") {
			t.Errorf("no open-mode warning at start:\n%s", log)
		}
		if code, body := r.postWithKey(t, "/publish", "", "broadcast=true"); code != http.StatusOK {
			t.Errorf("open publish: %d %s, want 200", code, body)
		}
	})
}
