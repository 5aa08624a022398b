package httpapi_test

// A JSON body has one meaning, the one any other reader of it (a proxy, an
// audit log) would see: no invalid UTF-8 turned into U+FFFD, no field names
// matched whatever their case, no last-duplicate-wins. And a topic may not
// contain "*", the wildcard of a token's topics claim.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
)

func TestPublishRefusesAmbiguousJSON(t *testing.T) {
	v := newVictim(t)
	// The clients a decoder that is not strict would have published to:
	// "\xff\xfe" read as two U+FFFD, and bob, the first of two "clients".
	replaced := v.ts.openStream(t, "id="+url.QueryEscape("\ufffd\ufffd"), nil)
	bob := v.ts.openStream(t, "id=bob", nil)

	cases := []struct {
		name, body string
		words      []string // the error mentions each
	}{
		// Invalid UTF-8, raw, anywhere.
		{"client id", "{\"clients\": [\"\xff\xfe\"], \"data\": \"x\"}", []string{`invalid UTF-8 in "clients"`}},
		{"client id after a good one", "{\"clients\": [\"alice\", \"al\xe9\"], \"data\": \"x\"}", []string{`invalid UTF-8 in "clients"`}},
		{"topic", "{\"topics\": [\"room\xc3\"], \"data\": \"x\"}", []string{`invalid UTF-8 in "topics"`}},
		{"event type", "{\"clients\": [\"alice\"], \"event\": \"chat\xff\", \"data\": \"x\"}", []string{`invalid UTF-8 in "event"`}},
		{"data string", "{\"clients\": [\"alice\"], \"data\": \"caf\xe9\"}", []string{`invalid UTF-8 in "data"`}},
		{"data object value", "{\"clients\": [\"alice\"], \"data\": {\"a\": [\"\xed\xa0\x80\"]}}", []string{`invalid UTF-8 in "data"`}},
		{"data object name", "{\"clients\": [\"alice\"], \"data\": {\"k\xff\": 1}}", []string{`invalid UTF-8 in "data"`}},
		{"field name", "{\"clients\": [\"alice\"], \"da\xffta\": \"x\"}", []string{"invalid UTF-8 in a field name"}},
		{"batch", "[{\"clients\": [\"alice\"]}, {\"clients\": [\"alice\"]}, {\"clients\": [\"alice\"], \"data\": \"\xc3\x28\"}]", []string{`message 2: invalid UTF-8 in "data"`}},
		// An escaped surrogate that is not half of a pair is no character.
		{"lone high surrogate", `{"clients": ["alice\ud800"], "data": "x"}`, []string{`invalid UTF-8 in "clients"`, `\ud800`, "surrogate"}},
		{"lone low surrogate", `{"clients": ["alice"], "data": "\udc00"}`, []string{`invalid UTF-8 in "data"`, "surrogate"}},
		{"reversed pair", `{"clients": ["alice"], "data": {"a": "\ude00\ud83d"}}`, []string{`invalid UTF-8 in "data"`, "surrogate"}},
		{"lone surrogate in a batch", `[{"clients": ["alice"]}, {"topics": ["\udfff"]}]`, []string{`message 1: invalid UTF-8 in "topics"`}},

		// Field names match exactly.
		{"Clients and DATA", `{"Clients": ["alice"], "DATA": "x"}`, []string{`unknown field "Clients"`, `did you mean "clients"`}},
		{"Data", `{"clients": ["alice"], "Data": "x"}`, []string{`unknown field "Data"`, `did you mean "data"`}},
		{"BROADCAST", `{"BROADCAST": true, "data": "x"}`, []string{`unknown field "BROADCAST"`, `did you mean "broadcast"`}},
		{"Event in a batch", `[{"clients": ["alice"]}, {"clients": ["alice"], "Event": "chat"}]`, []string{`message 1: unknown field "Event"`, `did you mean "event"`}},
		{"a name unlike any", `{"clients": ["alice"], "payload": "x"}`, []string{`unknown field "payload"`, "clients, topics"}},

		// Each name once, in data too.
		{"clients twice", `{"clients": ["bob"], "clients": ["alice"], "data": "x"}`, []string{`duplicate field "clients"`}},
		{"data twice", `{"clients": ["alice"], "data": "x", "data": "y"}`, []string{`duplicate field "data"`}},
		{"broadcast twice", `{"clients": ["alice"], "broadcast": false, "broadcast": true}`, []string{`duplicate field "broadcast"`}},
		{"name twice in data", `{"clients": ["alice"], "data": {"a": 1, "a": 2}}`, []string{`duplicate name "a" in "data"`}},
		{"name twice deep in data", `{"clients": ["alice"], "data": [{"x": {"y": 1, "z": 2, "y": 1}}]}`, []string{`duplicate name "y" in "data"`}},
		{"name twice, spelled two ways", `{"clients": ["alice"], "data": {"a": 1, "\u0061": 2}}`, []string{`duplicate name "a" in "data"`}},
		{"event twice in a batch", `[{"clients": ["alice"]}, {"clients": ["alice"], "event": "a", "event": "b"}]`, []string{`message 1: duplicate field "event"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, h, body := v.ts.do(t, http.MethodPost, "/publish", "application/json", strings.NewReader(c.body))
			checkError(t, code, h, body, http.StatusBadRequest, c.words...)
			v.good(t)
		})
	}
	end := v.ts.publishJSON(t, `{"broadcast": true, "data": "end"}`)
	for name, s := range map[string]*ssetest.Stream{"\ufffd\ufffd": replaced, "bob": bob} {
		if got := until(t, s, end.ID); len(got) != 0 {
			t.Errorf("client %q received %q, want nothing", name, got)
		}
	}
}

// The strict reading refuses only what is ambiguous: escapes, surrogate
// pairs and the same name in different objects are fine, and data other
// than a string keeps its spelling (compacted).
func TestPublishStrictJSONAccepts(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	s := ts.openStream(t, "id=alice&topic=room", nil)
	for _, c := range []struct{ body, data string }{
		{`{"clients": ["alice"], "data": "\ud83d\ude00 \u00e9"}`, "😀 é"},
		{`{"clients": ["\u0061lice"], "data": "x"}`, "x"},
		{`{"topics": ["room"], "data": {"a": {"x": 1}, "b": {"x": 1}, "\u0078": "\ud83d\ude00"}}`, `{"a":{"x":1},"b":{"x":1},"\u0078":"\ud83d\ude00"}`},
		{`[{"clients": ["alice"], "data": "1"}, {"clients": ["alice"], "data": "1"}]`, "1"},
	} {
		code, _, b := ts.do(t, http.MethodPost, "/publish", "application/json", strings.NewReader(c.body))
		if code != http.StatusOK {
			t.Errorf("POST %s: %d %s, want 200", c.body, code, b)
			continue
		}
		if got := s.Next(t); got.Data != c.data {
			t.Errorf("POST %s: alice got data %q, want %q", c.body, got.Data, c.data)
		}
		if strings.HasPrefix(c.body, "[") {
			s.Next(t)
		}
	}
}

// Errors about a value of the wrong kind say what was wanted in JSON's
// words, never Go's.
func TestPublishTypeErrorsSpeakJSON(t *testing.T) {
	v := newVictim(t)
	for body, words := range map[string][]string{
		`{"clients": "alice", "data": "x"}`:         {`"clients" must be an array of strings, not a string`},
		`{"clients": ["alice", 1], "data": "x"}`:    {`"clients" must be an array of strings; item 1 is a number`},
		`{"topics": {"room": true}}`:                {`"topics" must be an array of strings, not an object`},
		`{"broadcast": "true"}`:                     {`"broadcast" must be true or false, not a string`},
		`{"clients": ["alice"], "ephemeral": 1}`:    {`"ephemeral" must be true or false, not a number`},
		`{"clients": ["alice"], "event": ["a"]}`:    {`"event" must be a string, not an array`},
		`[{"clients": ["alice"]}, 2]`:               {"message 1: malformed JSON", "not a number"},
		`"alice"`:                                   {"malformed JSON", "not a string"},
		`[{"clients": ["alice"]}, {"event": true}]`: {`message 1: malformed JSON: "event" must be a string, not a boolean`},
	} {
		code, h, b := v.ts.do(t, http.MethodPost, "/publish", "application/json", strings.NewReader(body))
		checkError(t, code, h, b, http.StatusBadRequest, words...)
		for _, goWord := range []string{"Go ", "[]string", "publishRequest", "httpapi", "json:", "jsontext"} {
			if strings.Contains(string(b), goWord) {
				t.Errorf("POST %s: error %s speaks Go (%q)", body, b, goWord)
			}
		}
		v.good(t)
	}
}

// A topic containing "*" is refused in publishes (JSON, batch, form) and
// in streams, with a 400 naming the topic and the "*".
func TestTopicWithStarRefused(t *testing.T) {
	v := newVictim(t)
	const ctJSON, ctForm = "application/json", "application/x-www-form-urlencoded"
	for _, c := range []struct{ contentType, body, topic string }{
		{ctJSON, `{"topics": ["room", "room*"], "data": "x"}`, "room*"},
		{ctJSON, `{"clients": ["alice"], "topics": ["*"], "data": "x"}`, "*"},
		{ctJSON, `[{"topics": ["room"]}, {"topics": ["r*m"]}]`, "r*m"},
		{ctForm, "topic=room&topic=room%2A&data=x", "room*"},
	} {
		code, h, b := v.ts.do(t, http.MethodPost, "/publish", c.contentType, strings.NewReader(c.body))
		checkError(t, code, h, b, http.StatusBadRequest, "topic \""+c.topic+"\"", `contains "*"`)
		v.good(t)
	}
	for _, topic := range []string{"room*", "*", "*room", "news/*"} {
		q := url.Values{"id": {"bob"}, "topic": {"room", topic}}.Encode()
		code, h, b := v.ts.do(t, http.MethodGet, "/sse?"+q, "", nil)
		checkError(t, code, h, b, http.StatusBadRequest, "topic \""+topic+"\"", `contains "*"`)
		if n := localConns(v.ts.hub, "bob"); n != 0 {
			t.Errorf("?%s opened a stream for bob", q)
		}
	}
	v.good(t)
}
