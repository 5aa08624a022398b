package mercure_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/mercure"
)

// The Mercure API attacked: forged and oversized tokens, field injection,
// oversized requests, requests in the wrong shape. Every attack is refused
// with a 4xx, never a panic or a 5xx, and publishes nothing.
func TestHardeningForgedTokens(t *testing.T) {
	h := newTestHub(t, mercure.Config{})
	claims := `{"mercure":{"publish":["*"]}}`
	b64 := base64.RawURLEncoding.EncodeToString
	hs512, err := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"mercure": map[string]any{"publish": []string{"*"}}}).SignedString(pubKey)
	if err != nil {
		t.Fatal(err)
	}
	many := make([]string, 1001)
	for i := range many {
		many[i] = fmt.Sprintf("t%d", i)
	}
	good := publisher(t)
	parts := strings.Split(good, ".")
	for name, tok := range map[string]string{
		"alg none":                  b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + b64([]byte(claims)) + ".",
		"other algorithm, same key": hs512,
		"claims swapped in":         parts[0] + "." + b64([]byte(`{"mercure":{"publish":["*"]},"x":1}`)) + "." + parts[2],
		"signature cut":             parts[0] + "." + parts[1] + ".",
		"1001 selectors":            token(t, pubKey, map[string]any{"publish": many}),
		"not before the future":     token(t, pubKey, map[string]any{"publish": []string{"*"}}, "nbf", 1<<40),
	} {
		t.Run(name, func(t *testing.T) {
			if a := h.post(t, form("topic", "t1"), "Authorization", "Bearer "+tok); a.status != 401 {
				t.Errorf("answer %+v, want 401", a)
			}
		})
	}
	t.Run("two Authorization headers", func(t *testing.T) {
		if a := h.post(t, form("topic", "t1"), "Authorization", "Bearer "+good, "Authorization", "Bearer "+good); a.status != 401 {
			t.Errorf("answer %+v, want 401", a)
		}
	})
	if es := h.entries(t); len(es) != 0 {
		t.Errorf("%d entries published with forged tokens", len(es))
	}
}

func TestHardeningRequestShapes(t *testing.T) {
	h := newTestHub(t, mercure.Config{MaxBodyBytes: 16 << 10})
	auth := "Bearer " + publisher(t)
	topics := strings.Repeat("topic=a&", 1001)
	cases := []struct {
		name   string
		body   string
		ctype  string
		query  string
		status int
	}{
		{"body over the limit", "topic=a&data=" + strings.Repeat("x", 20<<10), "application/x-www-form-urlencoded", "", 413},
		{"1001 topics", topics, "application/x-www-form-urlencoded", "", 400},
		{"JSON instead of a form", `{"topic":"a","data":"x"}`, "application/json", "", 400},
		{"topic in the query, not the form", "data=x", "application/x-www-form-urlencoded", "topic=a", 400},
		{"malformed form", "topic=%zz", "application/x-www-form-urlencoded", "", 400},
		{"type that injects a field", form("topic", "a", "type", "message\nid: 1"), "application/x-www-form-urlencoded", "", 400},
		{"id that injects an event", form("topic", "a", "id", "1\n\ndata: forged"), "application/x-www-form-urlencoded", "", 400},
		{"empty topic", form("topic", ""), "application/x-www-form-urlencoded", "", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", h.srv.URL+mercure.Path+"?"+c.query, strings.NewReader(c.body))
			req.Header.Set("Content-Type", c.ctype)
			req.Header.Set("Authorization", auth)
			if a := do(t, h.srv.Client(), req); a.status != c.status {
				t.Errorf("answer %+v, want %d", a, c.status)
			}
		})
	}
	if es := h.entries(t); len(es) != 0 {
		t.Errorf("%d entries published by malformed requests", len(es))
	}
}

// Data that looks like SSE fields stays data: an /sse stream of the topic
// receives it as one event with the same lines.
func TestHardeningDataInjection(t *testing.T) {
	h := newTestHub(t, mercure.Config{})
	s := ssetest.OpenRegistered(t, h.srv.Client(), h.srv.URL+"/sse?topic=room", nil)
	data := "hello\n\nevent: forged\ndata: evil\r\nid: 1"
	if a := h.post(t, form("topic", "room", "data", data), "Authorization", "Bearer "+publisher(t)); a.status != 200 {
		t.Fatalf("answer %+v", a)
	}
	ev := s.Next(t)
	if ev.Type != "" && ev.Type != "message" || ev.Data != strings.ReplaceAll(data, "\r\n", "\n") {
		t.Errorf("event type %q data %q, want the data whole in one message event", ev.Type, ev.Data)
	}
}

// Concurrent publishers each get their own id, and every update is recorded.
func TestHardeningConcurrentPublishes(t *testing.T) {
	h := newTestHub(t, mercure.Config{})
	auth := "Bearer " + publisher(t)
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", h.srv.URL+mercure.Path, strings.NewReader(form("topic", "t", "data", fmt.Sprint(i))))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", auth)
			resp, err := h.srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("status %d, want 200", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	es := h.entries(t)
	seen := map[string]bool{}
	for _, e := range es {
		if seen[e.EventID] {
			t.Errorf("id %s twice", e.EventID)
		}
		seen[e.EventID] = true
	}
	if len(es) != n {
		t.Errorf("%d entries, want %d", len(es), n)
	}
}
