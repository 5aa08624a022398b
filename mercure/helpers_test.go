package mercure_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/jwtauth"
	"github.com/ssehub/ssehub/mercure"
)

// The keys of the test hubs: publishers and subscribers have their own,
// as in a Mercure deployment.
var (
	pubKey = []byte("publisher-key-of-at-least-32-bytes!")
	subKey = []byte("subscriber-key-of-at-least-32-bytes")
)

// testHub is a hub serving Mercure, and its log.
type testHub struct {
	hub *ssehub.Hub
	log *ssehub.MemoryLog
	srv *httptest.Server

	start uint64 // the log's head before the test: its entries come after
}

// newTestHub serves Mercure over a new hub with cfg, the keys above set
// unless cfg has verifiers of its own.
func newTestHub(t *testing.T, cfg mercure.Config) *testHub {
	t.Helper()
	if cfg.Publisher == nil {
		cfg.Publisher = verifier(t, pubKey)
	}
	if cfg.Subscriber == nil {
		cfg.Subscriber = verifier(t, subKey)
	}
	log := ssehub.NewMemoryLog(ssehub.Retention{})
	hub := ssehub.New(ssehub.Config{Log: log, Logger: slog.New(slog.DiscardHandler)})
	mux := http.NewServeMux()
	mux.Handle("/sse", hub)
	mux.Handle(mercure.Path, mercure.New(hub, cfg))
	mux.Handle(mercure.Path+"/", mercure.New(hub, cfg))
	// A new memory log numbers from where it starts (not 0): ReadAfter of
	// a position never issued says where its head is.
	start, err := log.ReadAfter(context.Background(), math.MaxUint64, nil, nil)
	if !errors.Is(err, ssehub.ErrUnknownPosition) {
		t.Fatalf("ReadAfter(MaxUint64): %v, want ErrUnknownPosition", err)
	}
	return &testHub{hub: hub, log: log, srv: ssetest.Serve(t, hub, mux), start: start}
}

func verifier(t *testing.T, key []byte) *jwtauth.Verifier {
	t.Helper()
	v, err := jwtauth.New(jwtauth.Config{Secret: key, OptionalExpiration: true})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// token mints a Mercure token signed with key: claim is the "mercure"
// claim's value; extra registered claims may be added.
func token(t *testing.T, key []byte, claim map[string]any, extra ...any) string {
	t.Helper()
	c := jwt.MapClaims{"mercure": claim}
	for i := 0; i+1 < len(extra); i += 2 {
		c[extra[i].(string)] = extra[i+1]
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// publisher is a token that may publish to every topic.
func publisher(t *testing.T) string {
	return token(t, pubKey, map[string]any{"publish": []string{"*"}})
}

// answer is a response's status, Content-Type and body.
type answer struct {
	status int
	ctype  string
	body   string
}

// post publishes form with the headers given (name, value, ...).
func (h *testHub) post(t *testing.T, form string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest("POST", h.srv.URL+mercure.Path, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	return do(t, h.srv.Client(), req)
}

// get requests the hub's URL path?query, without reading a stream: it
// answers the refusals, whose bodies end.
func (h *testHub) get(t *testing.T, pathQuery string, header ...string) answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", h.srv.URL+pathQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return answer{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type")}
	}
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
}

func do(t *testing.T, c *http.Client, req *http.Request) answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(req.Context(), ssetest.Wait)
	defer cancel()
	resp, err := c.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
}

// entries returns every entry in the hub's log.
func (h *testHub) entries(t *testing.T) []*ssehub.Entry {
	t.Helper()
	var out []*ssehub.Entry
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := h.log.ReadAfter(ctx, h.start, nil, func(e *ssehub.Entry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// form encodes name, value, ... pairs.
func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}
