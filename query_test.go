package ssehub_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// refusal opens GET /?query, which must be refused, and returns the status
// and the JSON error's text.
func (e *env) refusal(t *testing.T, query string) (int, string) {
	t.Helper()
	resp, err := e.client.Get(e.srv.URL + "/?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatalf("GET /?%s: a stream opened, want a refusal", query)
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var body struct{ Error string }
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" || json.Unmarshal(b, &body) != nil || body.Error == "" {
		t.Fatalf("GET /?%s: %d, Content-Type %q, body %q; want a JSON {\"error\": ...}", query, resp.StatusCode, ct, b)
	}
	return resp.StatusCode, body.Error
}

// A parameter the hub does not read is refused with 400, naming it and the
// parameter probably meant, before the stream takes a place or is counted.
func TestUnknownQueryParameter(t *testing.T) {
	e := start(t, ssehub.Config{Limits: ssehub.Limits{MaxStreams: 1}}, modes[0])
	defer e.client.CloseIdleConnections()
	for _, c := range []struct{ query, want string }{
		{"id=a&topics=room-1", `unknown query parameter "topics" (did you mean "topic"?)`},
		{"ID=a", `unknown query parameter "ID" (did you mean "id"?)`},
		{"id=a&lastEventID=5", `unknown query parameter "lastEventID" (did you mean "lastEventId"?)`},
		{"id=a&v=2", `unknown query parameter "v" (a stream takes id, topic, lastEventId, token)`},
		{"id=a&zz=1&topicz=b", `unknown query parameter "topicz" (did you mean "topic"?)`}, // the first in alphabetical order
		{"id=a&=x", `unknown query parameter ""`},
	} {
		code, msg := e.refusal(t, c.query)
		if code != http.StatusBadRequest || !strings.HasPrefix(msg, c.want) {
			t.Errorf("GET /?%s: %d %q, want 400 %q", c.query, code, msg, c.want)
		}
	}
	m := e.hub.Metrics()
	if m.Refused["invalid"] != 6 || len(counted(m.Opened)) != 0 || e.hub.Stats().Streams != 0 {
		t.Errorf("after the refusals: Refused[invalid] %d, Opened %v, Connections %d; want 6, none, 0",
			m.Refused["invalid"], m.Opened, e.hub.Stats().Streams)
	}
	// The one place MaxStreams allows is still free; every known parameter is accepted.
	s := e.open(t, "id=a&topic=room-1&topic=news&lastEventId=x&token=ignored-without-an-authorizer")
	if ev := s.Next(t); ev.Type != ssehub.ResetEventType {
		t.Errorf("first event %+v, want a reset for lastEventId x", ev)
	}
	e.publish(t, ssehub.Message{Topics: []string{"news"}, Data: []byte("on news")})
	s.Expect(t, "on news")
}

// Config.QueryParams adds the application's own parameters, and the
// refusal lists them too.
func TestQueryParams(t *testing.T) {
	e := start(t, ssehub.Config{QueryParams: []string{"_", "v"}}, modes[0])
	defer e.client.CloseIdleConnections()
	s := e.open(t, "id=a&_=1700000000&v=2")
	e.publish(t, ssehub.Message{Clients: []string{"a"}, Data: []byte("hello")})
	s.Expect(t, "hello")
	for query, want := range map[string]string{
		"id=a&vv=2":        `unknown query parameter "vv" (a stream takes id, topic, lastEventId, token, _, v)`,
		"id=a&topc=b&v=2":  `unknown query parameter "topc" (did you mean "topic"?)`,
		"id=a&cache=1&_=1": `unknown query parameter "cache" (a stream takes id, topic, lastEventId, token, _, v)`,
	} {
		if code, msg := e.refusal(t, query); code != http.StatusBadRequest || msg != want {
			t.Errorf("GET /?%s: %d %q, want 400 %q", query, code, msg, want)
		}
	}
}

// The check is ServeHTTP's: an application that calls ServeStream reads
// its own query.
func TestServeStreamChecksNoQuery(t *testing.T) {
	e := start(t, ssehub.Config{}, modes[0])
	defer e.client.CloseIdleConnections()
	mine := newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hub.ServeStream(w, r, ssehub.Subscription{Client: r.URL.Query().Get("user")})
	}), modes[0])
	defer mine.Close()
	s := ssetest.Open(t, mine.Client(), mine.URL+"/?user=alice&room=7", nil)
	e.publish(t, ssehub.Message{Clients: []string{"alice"}, Data: []byte("hi")})
	s.Expect(t, "hi")
}
