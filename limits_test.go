package ssehub_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// status opens GET /?query and returns the status, the Retry-After header
// and whether the answer was a JSON error; the body is read and closed.
func (e *env) status(t *testing.T, query string) (int, string, bool) {
	t.Helper()
	resp, err := e.client.Get(e.srv.URL + "/?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return resp.StatusCode, "", false // a stream: not read
	}
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type") == "application/json"
}

// Streams over a limit are refused before they open, with a precise status
// and a JSON reason; the streams already open are not disturbed, and a
// closed stream frees its place.
func TestLimits(t *testing.T) {
	cfg := ssehub.Config{Limits: ssehub.Limits{MaxStreams: 3, MaxStreamsPerClient: 2, MaxTopics: 2}}
	forEachMode(t, cfg, func(t *testing.T, e *env) {
		defer e.client.CloseIdleConnections()
		a1 := e.open(t, "id=alice")
		e.open(t, "id=alice")
		if code, retry, js := e.status(t, "id=alice"); code != http.StatusTooManyRequests || retry == "" || !js {
			t.Errorf("alice's third stream: %d (Retry-After %q, JSON %v), want 429 with Retry-After and a JSON reason", code, retry, js)
		}
		e.open(t, "id=bob")
		if code, _, js := e.status(t, "id=carol"); code != http.StatusServiceUnavailable || !js {
			t.Errorf("a fourth stream in all: %d, want 503 with a JSON reason", code)
		}
		if code, _, js := e.status(t, "id=dave&topic=a&topic=b&topic=c"); code != http.StatusBadRequest || !js {
			t.Errorf("three topics with MaxTopics 2: %d, want 400", code)
		}
		e.publish(t, ssehub.Message{Clients: []string{"alice"}, Data: []byte("still here")})
		a1.Expect(t, "still here")
		a1.Close()
		ssetest.Eventually(t, "alice's closed stream freeing its place", func() bool { return localConns(e.hub, "alice") == 1 })
		e.open(t, "id=alice")
		if n := e.hub.Stats().Refusals; n != 2 {
			t.Errorf("Stats().Refusals = %d, want 2", n)
		}
	})
}

func TestLimitPerAddress(t *testing.T) {
	e := start(t, ssehub.Config{Limits: ssehub.Limits{MaxStreamsPerAddress: 2}}, modes[0])
	defer e.client.CloseIdleConnections()
	e.open(t, "id=a")
	e.open(t, "id=b")
	if code, _, js := e.status(t, "id=c"); code != http.StatusTooManyRequests || !js {
		t.Errorf("a third stream from one address: %d, want 429", code)
	}
}

// MaxNameLen bounds client ids and topics in streams and in messages alike.
func TestMaxNameLen(t *testing.T) {
	e := start(t, ssehub.Config{Limits: ssehub.Limits{MaxNameLen: 5}}, modes[0])
	defer e.client.CloseIdleConnections()
	for _, q := range []string{"id=abcdef", "id=a&topic=toolong"} {
		if code, _, js := e.status(t, q); code != http.StatusBadRequest || !js {
			t.Errorf("GET /?%s: %d, want 400 with a JSON reason", q, code)
		}
	}
	e.open(t, "id=abcde&topic=short")
	for _, m := range []ssehub.Message{{Clients: []string{"abcdef"}}, {Topics: []string{"toolong"}}} {
		if _, err := e.hub.Publish(t.Context(), m); !errors.Is(err, ssehub.ErrInvalid) {
			t.Errorf("Publish(%+v): %v, want ErrInvalid", m, err)
		}
	}
	if _, err := e.hub.PublishBatch(t.Context(), []ssehub.Message{{Broadcast: true}, {Clients: []string{"abcdef"}}}); !errors.Is(err, ssehub.ErrInvalid) {
		t.Errorf("PublishBatch with a long client id: %v, want ErrInvalid", err)
	}
}

// Kick ends every stream of one client, on every way a stream is served.
func TestKickEveryMode(t *testing.T) {
	forEachMode(t, ssehub.Config{}, func(t *testing.T, e *env) {
		a1, a2, b := e.open(t, "id=alice"), e.open(t, "id=alice"), e.open(t, "id=bob")
		if n, _ := e.hub.Kick(context.Background(), "alice"); n != 2 {
			t.Errorf("Kick returned %d, want 2", n)
		}
		for _, s := range []*ssetest.Stream{a1, a2} {
			if _, err := s.Ended(t); err == nil {
				t.Error("a kicked stream did not end")
			}
		}
		e.publish(t, ssehub.Message{Clients: []string{"bob"}, Data: []byte("bob stays")})
		b.Expect(t, "bob stays")
	})
}

// A stream asking for more topics than MaxTopics is told that limit, even
// when it asks for more than MaxTargets too: the error names the limit the
// caller can act on, not the hard one above it.
func TestMaxTopicsErrorNamesTheLimit(t *testing.T) {
	e := start(t, ssehub.Config{Limits: ssehub.Limits{MaxTopics: 2}}, modes[0])
	q := url.Values{"id": {"alice"}}
	for i := range ssehub.MaxTargets + 1 {
		q.Add("topic", fmt.Sprint("t", i))
	}
	resp, err := e.client.Get(e.srv.URL + "/?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "at most 2") {
		t.Errorf("%d topics with MaxTopics 2: %d %q, want 400 saying at most 2", ssehub.MaxTargets+1, resp.StatusCode, b)
	}
}
