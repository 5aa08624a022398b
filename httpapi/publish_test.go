package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/sse"
)

// audience is a set of open streams, each with the events it must receive.
type audience struct {
	ts      *testServer
	streams map[string]*ssetest.Stream
	want    map[string][]sse.Event
}

func newAudience(t *testing.T, ts *testServer, queries map[string]string) *audience {
	a := &audience{ts: ts, streams: map[string]*ssetest.Stream{}, want: map[string][]sse.Event{}}
	for name, q := range queries {
		a.streams[name] = ts.openStream(t, q, nil)
	}
	return a
}

// expect records that the streams named receive ev.
func (a *audience) expect(ev sse.Event, names ...string) {
	for _, n := range names {
		a.want[n] = append(a.want[n], ev)
	}
}

// check broadcasts a sentinel and requires every stream to have received
// exactly its expected events, in order, before it: nothing more, nothing less.
func (a *audience) check(t *testing.T) {
	t.Helper()
	end := a.ts.publishJSON(t, `{"broadcast": true, "event": "sentinel"}`)
	if end.Connections != len(a.streams) {
		t.Errorf("sentinel broadcast: connections %d, want %d", end.Connections, len(a.streams))
	}
	for name, s := range a.streams {
		got := until(t, s, end.ID)
		if !slices.Equal(got, a.want[name]) {
			t.Errorf("stream %s received\n%q\nwant\n%q", name, got, a.want[name])
		}
	}
}

var audienceQueries = map[string]string{
	"alice1": "id=alice",
	"alice2": "id=alice",
	"bob":    "id=bob&topic=room",
	"carol":  "id=carol&topic=room&topic=news",
	"dave":   "id=dave",
}

func TestPublishJSONTargets(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	a := newAudience(t, ts, audienceQueries)

	cases := []struct {
		targets string // JSON members naming the targets
		to      []string
	}{
		{`"clients": ["alice"]`, []string{"alice1", "alice2"}},
		{`"topics": ["room"]`, []string{"bob", "carol"}},
		{`"clients": ["bob"], "topics": ["news"]`, []string{"bob", "carol"}},
		// carol is named and subscribed to room: she gets it once.
		{`"clients": ["alice", "carol"], "topics": ["room"]`, []string{"alice1", "alice2", "bob", "carol"}},
		{`"clients": ["alice", "alice"]`, []string{"alice1", "alice2"}},
		{`"broadcast": true`, []string{"alice1", "alice2", "bob", "carol", "dave"}},
		{`"broadcast": true, "clients": ["alice"], "topics": ["room"]`, []string{"alice1", "alice2", "bob", "carol", "dave"}},
		{`"broadcast": false, "clients": ["dave"]`, []string{"dave"}},
		{`"clients": ["nobody"]`, nil},
		{`"topics": ["empty-room"]`, nil},
	}
	prev := uint64(0)
	for i, c := range cases {
		data := fmt.Sprintf("event %d", i)
		body := fmt.Sprintf(`{%s, "data": %q}`, c.targets, data)
		r := ts.publishJSON(t, body)
		if r.Connections != len(c.to) {
			t.Errorf("%s: connections %d, want %d", body, r.Connections, len(c.to))
		}
		if n := seq(t, r.ID); prev != 0 && n != prev+1 {
			t.Errorf("%s: id %d, want the next id %d", body, n, prev+1)
		}
		prev = seq(t, r.ID)
		a.expect(sse.Event{ID: r.ID, Type: "message", Data: data}, c.to...)
	}
	a.check(t)
}

func TestPublishJSONData(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	s := ts.openStream(t, "id=alice", nil)

	cases := []struct {
		name, member string // member is the JSON text after "data": or "" for none
		event        string
		wantType     string
		wantData     string
	}{
		{"string", `"hello"`, "", "message", "hello"},
		{"string escapes", `"tab\there \"quoted\" \u00e9 \\"`, "", "message", "tab\there \"quoted\" é \\"},
		{"empty string", `""`, "", "message", ""},
		{"absent", "", "", "message", ""},
		{"object", "{ \"a\" : 1,\n \"b\": [1, 2, {\"c\": null}] }", "", "message", `{"a":1,"b":[1,2,{"c":null}]}`},
		{"number", ` 42.5e3 `, "", "message", "42.5e3"},
		{"array", `[ 1, "x" , true ]`, "", "message", `[1,"x",true]`},
		{"null", `null`, "", "message", "null"},
		{"bool", `false`, "", "message", "false"},
		{"string looking like JSON", `"{\"a\": 1}"`, "", "message", `{"a": 1}`},
		{"multi-line", `"line 1\nline 2\n\nline 4"`, "", "message", "line 1\nline 2\n\nline 4"},
		{"trailing newline", `"last line\n"`, "", "message", "last line\n"},
		{"only newlines", `"\n\n"`, "", "message", "\n\n"},
		{"CRLF and CR arrive as LF", `"a\r\nb\rc"`, "", "message", "a\nb\nc"},
		{"leading spaces kept", `"  two spaces"`, "", "message", "  two spaces"},
		{"colon and field names", `"data: x\nid: 7\n: comment"`, "", "message", "data: x\nid: 7\n: comment"},
		{"unicode", `"ünïcödé ✓ 🎉"`, "", "message", "ünïcödé ✓ 🎉"},
		{"event type", `"hi"`, "chat", "chat", "hi"},
		{"event type with spaces", `"hi"`, "user joined", "user joined", "hi"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := `{"clients": ["alice"]`
			if c.event != "" {
				body += fmt.Sprintf(`, "event": %q`, c.event)
			}
			if c.member != "" {
				body += `, "data": ` + c.member
			}
			body += "}"
			r := ts.publishJSON(t, body)
			if r.Connections != 1 {
				t.Errorf("connections %d, want 1", r.Connections)
			}
			want := sse.Event{ID: r.ID, Type: c.wantType, Data: c.wantData}
			if got := s.Next(t); got != want {
				t.Errorf("published %s\nstream got  %q\nwant %q", body, got, want)
			}
		})
	}
}

func TestPublishForm(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	a := newAudience(t, ts, audienceQueries)

	cases := []struct {
		form url.Values
		to   []string
		typ  string
		data string
	}{
		{url.Values{"client": {"alice"}, "data": {"form to alice"}}, []string{"alice1", "alice2"}, "message", "form to alice"},
		{url.Values{"client": {"alice", "dave"}, "data": {"two clients"}}, []string{"alice1", "alice2", "dave"}, "message", "two clients"},
		{url.Values{"topic": {"room", "news"}, "data": {"two topics"}}, []string{"bob", "carol"}, "message", "two topics"},
		{url.Values{"client": {"carol"}, "topic": {"news"}, "event": {"chat"}, "data": {"typed"}}, []string{"carol"}, "chat", "typed"},
		{url.Values{"broadcast": {"true"}, "data": {"line 1\nline 2\r\nline 3\n"}}, []string{"alice1", "alice2", "bob", "carol", "dave"}, "message", "line 1\nline 2\nline 3\n"},
		{url.Values{"broadcast": {"1"}, "data": {""}}, []string{"alice1", "alice2", "bob", "carol", "dave"}, "message", ""},
		{url.Values{"broadcast": {"false"}, "client": {"bob"}}, []string{"bob"}, "message", ""},
		{url.Values{"client": {"nobody"}, "data": {"lost"}}, nil, "message", "lost"},
	}
	for _, c := range cases {
		r := ts.publishForm(t, c.form)
		if r.Connections != len(c.to) {
			t.Errorf("%s: connections %d, want %d", c.form.Encode(), r.Connections, len(c.to))
		}
		a.expect(sse.Event{ID: r.ID, Type: c.typ, Data: c.data}, c.to...)
	}
	// The charset parameter curl and browsers may add is accepted.
	r := ts.publishOK(t, "application/x-www-form-urlencoded; charset=utf-8", "client=dave&data=charset")
	a.expect(sse.Event{ID: r.ID, Type: "message", Data: "charset"}, "dave")
	r = ts.publishOK(t, "application/json; charset=utf-8", `{"clients": ["dave"], "data": "json charset"}`)
	a.expect(sse.Event{ID: r.ID, Type: "message", Data: "json charset"}, "dave")
	a.check(t)
}

// A JSON array publishes a batch: every event in order, consecutive ids, a
// receipt each.
func TestPublishBatch(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	a := newAudience(t, ts, audienceQueries)
	body := `[{"clients": ["alice"], "data": "one"}, {"topics": ["room"], "event": "chat", "data": {"n": 2}}, {"broadcast": true, "data": "three"}]`
	code, _, b := ts.do(t, http.MethodPost, "/publish", "application/json", strings.NewReader(body))
	if code != http.StatusOK {
		t.Fatalf("batch: status %d, body %q", code, b)
	}
	var recs []publishResponse
	if err := json.Unmarshal(b, &recs); err != nil || len(recs) != 3 {
		t.Fatalf("batch: response %q (%v), want 3 receipts", b, err)
	}
	for i, want := range []int{2, 2, 5} {
		if recs[i].Connections != want {
			t.Errorf("receipt %d: %d connections, want %d", i, recs[i].Connections, want)
		}
		if i > 0 && seq(t, recs[i].ID) != seq(t, recs[i-1].ID)+1 {
			t.Errorf("receipt %d: id %s does not follow %s", i, recs[i].ID, recs[i-1].ID)
		}
	}
	a.expect(sse.Event{ID: recs[0].ID, Type: "message", Data: "one"}, "alice1", "alice2")
	a.expect(sse.Event{ID: recs[1].ID, Type: "chat", Data: `{"n":2}`}, "bob", "carol")
	a.expect(sse.Event{ID: recs[2].ID, Type: "message", Data: "three"}, "alice1", "alice2", "bob", "carol", "dave")
	a.check(t)
}
