package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/jwtauth"
)

// The real server with subscriber tokens and a publish key, attacked: every
// forged, stale or misused token is refused with a JSON 401 or 403 (never a
// stream), and an endless publish body is cut off with 413, publishing
// nothing.
func TestAttacksOnAClosedHub(t *testing.T) {
	secret := []byte("a-subscriber-secret-of-32-bytes!")
	v, err := jwtauth.New(jwtauth.Config{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	const key = "publish-key-0123456789abcdef"
	ts := newAPIServer(t, ssehub.Config{Authorizer: v}, httpapi.Config{PublishKeys: []string{key}})
	now := time.Now()
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"sub": "alice", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "topics": []string{"room-1"}}
		if edit != nil {
			edit(c)
		}
		return c
	}
	sign := func(m jwt.SigningMethod, k any, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	good := sign(jwt.SigningMethodHS256, secret, claims(nil))
	for name, c := range map[string]struct {
		query string
		code  int
	}{
		"no token":          {"id=alice", http.StatusUnauthorized},
		"forged signature":  {"token=" + sign(jwt.SigningMethodHS256, []byte("not-the-secret-but-32-bytes-long"), claims(nil)), http.StatusUnauthorized},
		"expired":           {"token=" + sign(jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Second).Unix() })), http.StatusUnauthorized},
		"not yet valid":     {"token=" + sign(jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })), http.StatusUnauthorized},
		"alg none":          {"token=" + none, http.StatusUnauthorized},
		"wrong algorithm":   {"token=" + sign(jwt.SigningMethodRS256, rsaKey, claims(nil)), http.StatusUnauthorized},
		"alice asks bob":    {"id=bob&token=" + good, http.StatusForbidden},
		"topic not allowed": {"topic=room-2&token=" + good, http.StatusForbidden},
	} {
		code, h, b := ts.send(t, "GET", "/sse?"+c.query, "")
		checkError(t, code, h, b, c.code)
		if t.Failed() {
			t.Fatalf("%s", name)
		}
	}
	s := ts.openStream(t, "topic=room-1&token="+good, nil)

	// An endless body: the hub stops reading at its limit.
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.srv.URL+"/publish", io.MultiReader(strings.NewReader("client=alice&data="), endless{}))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+key)
	if resp, err := ts.client.Do(req); err == nil { // or the hub closed the connection while it was still being sent
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("endless body: %d, want 413", resp.StatusCode)
		}
	} else if ctx.Err() != nil {
		t.Fatalf("endless body: the hub kept reading until the deadline: %v", err)
	}
	s.ExpectNone(t, 50*time.Millisecond)
	if code, _, b := ts.send(t, "POST", "/publish", "client=alice&data=after", "Authorization: Bearer "+key); code != http.StatusOK {
		t.Fatalf("publish after the attacks: %d %s", code, b)
	}
	s.Expect(t, "after")
}

// endless is a body that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// bodyTimeout is the short body timeout of the slow-body tests.
const bodyTimeout = 300 * time.Millisecond

// newProtoServer is newAPIServer over proto: "http1", "h2c" (cleartext
// HTTP/2 only, with prior knowledge) or "h2" (HTTP/2 over TLS). closed
// counts the connections the server has closed (each one's goroutine done).
func newProtoServer(t *testing.T, proto string, api httpapi.Config) (ts *testServer, closed *atomic.Int64) {
	t.Helper()
	hub := ssehub.New(ssehub.Config{Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewUnstartedServer(httpapi.New(hub, api))
	closed = new(atomic.Int64)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed.Add(1)
		}
	}
	switch proto {
	case "h2":
		srv.EnableHTTP2 = true
		srv.StartTLS()
	case "h2c":
		ssetest.StartH2C(srv)
	default:
		srv.Start()
	}
	ssetest.ShutdownAtEnd(t, hub, srv)
	return &testServer{hub: hub, srv: srv, client: srv.Client()}, closed
}

// A client that sends the headers and one byte of a 1000-byte body over
// HTTP/1.1 is cut off within the body timeout, on every route (a refused
// stream request included: only an opened stream reads no body) and with
// or without publish keys (where the hub answers 401 without reading
// the body, and net/http used to wait for the rest of it): a 408, or the
// refusal, then the connection closes and its goroutine ends.
func TestSlowBodyHTTP1(t *testing.T) {
	for _, keyed := range []bool{false, true} {
		api := httpapi.Config{BodyTimeout: bodyTimeout}
		want := map[string]int{"POST /publish": http.StatusRequestTimeout, "POST /ping/alice": 0, "GET /healthz": 0, "POST /nowhere": 0,
			// A refused stream request never reads its body either.
			"POST /sse?id=alice": http.StatusMethodNotAllowed, "GET /sse?topics=a": http.StatusBadRequest}
		if keyed {
			api.PublishKeys = []string{key1}
			want["POST /publish"] = http.StatusUnauthorized
		}
		ts, closed := newProtoServer(t, "http1", api)
		for route, code := range want {
			t.Run(fmt.Sprintf("keys=%v %s", keyed, route), func(t *testing.T) {
				before := closed.Load()
				method, path, _ := strings.Cut(route, " ")
				nc, err := net.Dial("tcp", ts.srv.Listener.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				start := time.Now()
				nc.SetDeadline(start.Add(bodyTimeout + 3*time.Second))
				fmt.Fprintf(nc, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", method, path)
				got, err := io.ReadAll(nc) // until the hub closes the connection
				if err != nil {
					t.Fatalf("connection still open %v after one byte of the body (timeout %v): %v; read %q", time.Since(start).Round(time.Millisecond), bodyTimeout, err, got)
				}
				if code != 0 {
					resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), nil)
					if err != nil {
						t.Fatalf("no response before the close: %v (%q)", err, got)
					}
					b, _ := io.ReadAll(resp.Body)
					checkError(t, resp.StatusCode, resp.Header, b, code)
				}
				ssetest.Eventually(t, "the server's goroutine of the connection ended", func() bool { return closed.Load() > before })
			})
		}
	}
}

// Over HTTP/2 (h2c and TLS) a publish whose body stops after one byte is
// answered 408 within the body timeout; with publish keys, 401 at once.
func TestSlowBodyHTTP2(t *testing.T) {
	for _, proto := range []string{"h2c", "h2"} {
		for _, keyed := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s keys=%v", proto, keyed), func(t *testing.T) {
				api, want := httpapi.Config{BodyTimeout: bodyTimeout}, http.StatusRequestTimeout
				if keyed {
					api.PublishKeys, want = []string{key1}, http.StatusUnauthorized
				}
				ts, _ := newProtoServer(t, proto, api)
				pr, pw := io.Pipe()
				defer pw.Close()
				go pw.Write([]byte("{")) // and nothing more
				ctx, cancel := context.WithTimeout(context.Background(), bodyTimeout+3*time.Second)
				defer cancel()
				req, _ := http.NewRequestWithContext(ctx, "POST", ts.srv.URL+"/publish", pr)
				req.ContentLength = 1000
				req.Header.Set("Content-Type", "application/json")
				start := time.Now()
				resp, err := ts.client.Do(req)
				if err != nil {
					t.Fatalf("no answer %v after one byte of the body (timeout %v): %v", time.Since(start).Round(time.Millisecond), bodyTimeout, err)
				}
				defer resp.Body.Close()
				if resp.ProtoMajor != 2 {
					t.Fatalf("served %s, want HTTP/2", resp.Proto)
				}
				b, err := io.ReadAll(resp.Body) // the handler has returned: the stream ended
				if err != nil {
					t.Fatalf("reading the answer: %v", err)
				}
				checkError(t, resp.StatusCode, resp.Header, b, want)
			})
		}
	}
}

// The body timeout is not a stream's: an event stream stays open well past
// it, and a publisher's keep-alive connection serves publish after publish.
func TestStreamOutlivesBodyTimeout(t *testing.T) {
	for _, proto := range []string{"http1", "h2c", "h2"} {
		t.Run(proto, func(t *testing.T) {
			ts, _ := newProtoServer(t, proto, httpapi.Config{BodyTimeout: bodyTimeout})
			s := ts.openStream(t, "id=alice", nil)
			for i := range 2 {
				time.Sleep(3 * bodyTimeout)
				ts.publishJSON(t, fmt.Sprintf(`{"clients": ["alice"], "data": "later %d"}`, i))
				s.Expect(t, fmt.Sprintf("later %d", i))
			}
		})
	}
}

// An HTTP/1.1 stream request that carries a body (no EventSource sends
// one) is refused at once with a JSON 400, before the body timeout, and
// opens no stream; a bodiless one on the same server still streams.
func TestStreamRequestWithBody(t *testing.T) {
	ts, _ := newProtoServer(t, "http1", httpapi.Config{BodyTimeout: time.Minute})
	start := time.Now()
	code, h, b := ts.send(t, "GET", "/sse?id=alice", "{}")
	checkError(t, code, h, b, http.StatusBadRequest, "no body")
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("refused after %v, want at once (body timeout 1m)", took)
	}
	if n := ts.hub.Stats().Streams; n != 0 {
		t.Errorf("%d streams open after the refusal, want 0", n)
	}
	s := ts.openStream(t, "id=alice", nil)
	ts.publishJSON(t, `{"clients": ["alice"], "data": "still streams"}`)
	s.Expect(t, "still streams")
}
