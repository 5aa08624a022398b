package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/sse"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testServer is a hub served by httpapi on a real loopback port.
type testServer struct {
	hub    *ssehub.Hub
	srv    *httptest.Server
	client *http.Client
}

// newTestServer starts a hub and its HTTP API; cleanup shuts both down.
func newTestServer(t *testing.T, cfg ssehub.Config) *testServer {
	t.Helper()
	return newAPIServer(t, cfg, httpapi.Config{})
}

// newAPIServer is newTestServer with the HTTP API's configuration.
func newAPIServer(t *testing.T, cfg ssehub.Config, api httpapi.Config) *testServer {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	hub := ssehub.New(cfg)
	srv := ssetest.Serve(t, hub, httpapi.New(hub, api))
	return &testServer{hub: hub, srv: srv, client: srv.Client()}
}

// do sends one request and returns the status, header and whole body.
func (ts *testServer) do(t *testing.T, method, path, contentType string, body io.Reader) (int, http.Header, []byte) {
	t.Helper()
	// A request that must get a short answer gets it in time: a stream
	// opened by mistake fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, ts.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, short(path), err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") == "text/event-stream" {
		// An event stream where an answer was expected: do not wait for
		// its end, show what it is.
		return resp.StatusCode, resp.Header, []byte("<an event stream>")
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, short(path), err)
	}
	return resp.StatusCode, resp.Header, b
}

// short keeps error messages about huge URLs readable.
func short(s string) string {
	if len(s) > 200 {
		return s[:200] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

type publishResponse struct {
	ID          string `json:"id"`
	Connections int    `json:"connections"`
}

// publishOK posts body with contentType to /publish and requires a 200 with
// exactly {"id": ..., "connections": ...}.
func (ts *testServer) publishOK(t *testing.T, contentType, body string) publishResponse {
	t.Helper()
	code, h, b := ts.do(t, http.MethodPost, "/publish", contentType, strings.NewReader(body))
	if code != http.StatusOK {
		t.Fatalf("POST /publish %s: status %d, body %q; want 200", body, code, b)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("POST /publish: Content-Type %q, want application/json", ct)
	}
	var pr publishResponse
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pr); err != nil {
		t.Fatalf("POST /publish: response %q: %v", b, err)
	}
	if _, err := strconv.ParseUint(pr.ID, 10, 64); err != nil {
		t.Fatalf("POST /publish: response id %q is not a decimal sequence number", pr.ID)
	}
	return pr
}

func (ts *testServer) publishJSON(t *testing.T, body string) publishResponse {
	t.Helper()
	return ts.publishOK(t, "application/json", body)
}

func (ts *testServer) publishForm(t *testing.T, form url.Values) publishResponse {
	t.Helper()
	return ts.publishOK(t, "application/x-www-form-urlencoded", form.Encode())
}

// openStream opens GET /sse?query and returns once the hub has registered
// the stream (see ssetest.OpenRegistered).
func (ts *testServer) openStream(t *testing.T, query string, header http.Header) *ssetest.Stream {
	t.Helper()
	return ssetest.OpenRegistered(t, ts.client, ts.srv.URL+"/sse?"+query, header)
}

// until returns the events of s up to, not including, the one with id.
func until(t *testing.T, s *ssetest.Stream, id string) []sse.Event {
	t.Helper()
	var got []sse.Event
	for {
		ev := s.Next(t)
		if ev.ID == id {
			return got
		}
		got = append(got, ev)
	}
}

// seq parses an event id.
func seq(t *testing.T, id string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		t.Fatalf("event id %q is not a decimal number: %v", id, err)
	}
	return n
}

// localConns returns how many streams client has open on h.
func localConns(h *ssehub.Hub, client string) int {
	n, _ := h.StreamCount(context.Background(), client)
	return n
}
