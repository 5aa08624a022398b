package httpapi_test

// Hardening tests, in the spirit of the Mercure hub's: every bad input gets
// the precise 4xx with a JSON {"error": "..."} that names the problem,
// publishes nothing, and nothing panics or answers 5xx.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/sse"
)

// victim is a stream open to every would-be target of the bad requests:
// client alice, topic room, and broadcasts.
type victim struct {
	ts   *testServer
	s    *ssetest.Stream
	last uint64 // id of the last good publish
	n    int
}

func newVictim(t *testing.T) *victim {
	ts := newTestServer(t, ssehub.Config{})
	v := &victim{ts: ts, s: ts.openStream(t, "id=alice&topic=room", nil)}
	v.good(t)
	return v
}

// good publishes a good event to alice and checks that its id is exactly one
// more than the previous good one, and that it is the very next event alice
// receives: nothing was published in between.
func (v *victim) good(t *testing.T) {
	t.Helper()
	v.n++
	data := fmt.Sprintf("good %d", v.n)
	r := v.ts.publishJSON(t, fmt.Sprintf(`{"clients": ["alice"], "data": %q}`, data))
	id := seq(t, r.ID)
	if v.last != 0 && id != v.last+1 {
		t.Errorf("good publish got id %d, want %d: a refused request used up an id", id, v.last+1)
	}
	v.last = id
	// Anything alice receives before the good event was published by the
	// refused request; skipping it keeps the next case independent.
	if extra := until(t, v.s, r.ID); len(extra) > 0 {
		t.Errorf("alice received %q before the good event: a refused request published something", extra)
	}
}

// checkError requires status code and a JSON {"error": msg} naming the
// problem (msg contains every one of words, case-insensitively).
func checkError(t *testing.T, code int, h http.Header, body []byte, wantCode int, words ...string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("status %d, want %d (body %q)", code, wantCode, body)
	}
	if code >= 500 && code != wantCode {
		t.Errorf("server error %d: %q", code, body)
	}
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json (body %q)", ct, body)
	}
	var e struct {
		Error string `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Errorf("body %q is not a JSON {\"error\": ...}: %v", body, err)
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Errorf("body %q holds more than one JSON value", body)
	}
	if e.Error == "" {
		t.Errorf("body %q has an empty error", body)
	}
	for _, w := range words {
		if !strings.Contains(strings.ToLower(e.Error), strings.ToLower(w)) {
			t.Errorf("error %q does not name the problem: want it to mention %q", e.Error, w)
		}
	}
}

func names(prefix string, n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return s
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestPublishRejectsBadInput(t *testing.T) {
	v := newVictim(t)
	long := strings.Repeat("x", ssehub.MaxNameLen+1)
	const ctJSON, ctForm = "application/json", "application/x-www-form-urlencoded"

	cases := []struct {
		name        string
		method      string // default POST
		contentType string
		body        string
		code        int
		words       []string // the error mentions each
	}{
		// No target.
		{"no target", "", ctJSON, `{"data": "x"}`, 400, []string{"no target"}},
		{"empty object", "", ctJSON, `{}`, 400, []string{"no target"}},
		{"empty target lists", "", ctJSON, `{"clients": [], "topics": [], "broadcast": false, "data": "x"}`, 400, []string{"no target"}},
		{"null body", "", ctJSON, `null`, 400, []string{"no target"}},
		{"form without target", "", ctForm, `data=x&event=chat`, 400, []string{"no target"}},
		{"form broadcast=false only", "", ctForm, `broadcast=false&data=x`, 400, []string{"no target"}},

		// Malformed JSON.
		{"empty JSON body", "", ctJSON, ``, 400, []string{"malformed JSON"}},
		{"not JSON", "", ctJSON, `clients=alice&data=x`, 400, []string{"malformed JSON"}},
		{"truncated JSON", "", ctJSON, `{"clients": ["alice"], "data": "x"`, 400, []string{"malformed JSON"}},
		{"trailing comma", "", ctJSON, `{"broadcast": true, "data": "x",}`, 400, []string{"malformed JSON"}},
		{"single quotes", "", ctJSON, `{'broadcast': true}`, 400, []string{"malformed JSON"}},
		{"trailing garbage", "", ctJSON, `{"broadcast": true, "data": "x"} garbage`, 400, []string{"malformed JSON"}},
		{"second object", "", ctJSON, `{"broadcast": true, "data": "x"}{"broadcast": true}`, 400, []string{"malformed JSON"}},
		{"trailing bracket", "", ctJSON, `{"broadcast": true, "data": "x"}]`, 400, []string{"malformed JSON"}},
		{"empty batch", "", ctJSON, `[]`, 400, []string{"empty batch"}},
		{"batch with one bad event", "", ctJSON, `[{"clients": ["alice"], "data": "x"}, {"data": "no target"}]`, 400, []string{"message 1", "no target"}},
		{"batch with a bad event type", "", ctJSON, `[{"clients": ["alice"]}, {"clients": ["alice"], "event": "a\nb"}]`, 400, []string{"message 1", "CR, LF or NUL"}},
		{"batch of non-objects", "", ctJSON, `[1, 2]`, 400, []string{"malformed JSON"}},
		{"batch with an unknown field", "", ctJSON, `[{"clients": ["alice"], "client": ["x"]}]`, 400, []string{"unknown field", `"client"`}},
		{"batch too large", "", ctJSON, "[" + strings.Repeat(`{"clients":["alice"]},`, ssehub.MaxBatch) + `{"clients":["alice"]}]`, 400, []string{"at most 1000"}},
		{"unknown field typo client", "", ctJSON, `{"client": ["alice"], "data": "x"}`, 400, []string{"unknown field", `"client"`}},
		{"unknown field next to a target", "", ctJSON, `{"broadcast": true, "id": "999", "data": "x"}`, 400, []string{"unknown field", `"id"`}},

		// Wrong JSON types.
		{"clients as a string", "", ctJSON, `{"clients": "alice", "data": "x"}`, 400, []string{"clients"}},
		{"clients of numbers", "", ctJSON, `{"clients": [1], "data": "x"}`, 400, []string{"clients"}},
		{"topics as an object", "", ctJSON, `{"topics": {"room": true}, "data": "x"}`, 400, []string{"topics"}},
		{"broadcast as a string", "", ctJSON, `{"broadcast": "true", "data": "x"}`, 400, []string{"broadcast"}},
		{"broadcast as a number", "", ctJSON, `{"broadcast": 1, "data": "x"}`, 400, []string{"broadcast"}},
		{"event as a number", "", ctJSON, `{"broadcast": true, "event": 5, "data": "x"}`, 400, []string{"event"}},
		{"event as an array", "", ctJSON, `{"broadcast": true, "event": ["a"], "data": "x"}`, 400, []string{"event"}},

		// Event types that would break the "event:" line.
		{"event with LF", "", ctJSON, `{"broadcast": true, "event": "chat\nevent: evil", "data": "x"}`, 400, []string{"event type", "CR, LF or NUL"}},
		{"event with CR", "", ctJSON, `{"broadcast": true, "event": "chat\revil", "data": "x"}`, 400, []string{"event type", "CR, LF or NUL"}},
		{"event with CRLF", "", ctJSON, `{"clients": ["alice"], "event": "chat\r\ndata: evil", "data": "x"}`, 400, []string{"event type", "CR, LF or NUL"}},
		{"event with NUL", "", ctJSON, `{"topics": ["room"], "event": "chat\u0000", "data": "x"}`, 400, []string{"event type", "CR, LF or NUL"}},
		{"event too long", "", ctJSON, jsonOf(map[string]any{"broadcast": true, "event": long}), 400, []string{"event type", "longer than 256"}},
		{"form event with LF", "", ctForm, `broadcast=true&event=a%0Aid%3A+9&data=x`, 400, []string{"event type", "CR, LF or NUL"}},
		{"form event with CR", "", ctForm, `client=alice&event=a%0Db&data=x`, 400, []string{"event type", "CR, LF or NUL"}},
		{"form event with NUL", "", ctForm, `topic=room&event=a%00b&data=x`, 400, []string{"event type", "CR, LF or NUL"}},

		// Client ids and topics.
		{"empty client id", "", ctJSON, `{"clients": ["alice", ""], "data": "x"}`, 400, []string{"empty client id"}},
		{"empty topic", "", ctJSON, `{"topics": ["room", ""], "data": "x"}`, 400, []string{"empty topic"}},
		{"client id too long", "", ctJSON, jsonOf(map[string]any{"clients": []string{"alice", long}}), 400, []string{"client id", "longer than 256"}},
		{"topic too long", "", ctJSON, jsonOf(map[string]any{"topics": []string{"room", long}}), 400, []string{"topic", "longer than 256"}},
		{"client id with CRLF", "", ctJSON, `{"clients": ["alice", "alice\r\nid: 1"], "data": "x"}`, 400, []string{"client id", "control character"}},
		{"client id with NUL", "", ctJSON, `{"clients": ["alice\u0000"], "data": "x"}`, 400, []string{"client id", "control character"}},
		{"client id with DEL", "", ctJSON, `{"clients": ["alice\u007f"], "data": "x"}`, 400, []string{"client id", "control character"}},
		{"topic with tab", "", ctJSON, `{"topics": ["room\t1"], "broadcast": true, "data": "x"}`, 400, []string{"topic", "control character"}},
		{"form empty client", "", ctForm, `client=alice&client=&data=x`, 400, []string{"empty client id"}},
		{"form topic with LF", "", ctForm, `topic=room%0Aevil&data=x`, 400, []string{"topic", "control character"}},
		{"form client too long", "", ctForm, "client=" + long, 400, []string{"client id", "longer than 256"}},

		// Too many targets.
		{"too many clients", "", ctJSON, jsonOf(map[string]any{"clients": append(names("c", ssehub.MaxTargets), "alice")}), 400, []string{"too many targets"}},
		{"too many topics", "", ctJSON, jsonOf(map[string]any{"topics": append(names("t", ssehub.MaxTargets), "room")}), 400, []string{"too many targets"}},
		{"too many clients and topics", "", ctJSON, jsonOf(map[string]any{"clients": names("c", ssehub.MaxTargets/2+1), "topics": names("t", ssehub.MaxTargets/2), "broadcast": true}), 400, []string{"too many targets"}},
		{"too many form targets", "", ctForm, url.Values{"client": names("c", ssehub.MaxTargets), "topic": {"room"}}.Encode(), 400, []string{"too many targets"}},

		// Body size.
		{"JSON body over 1 MiB", "", ctJSON, `{"broadcast": true, "data": "` + strings.Repeat("x", 1<<20) + `"}`, 413, []string{"larger than"}},
		{"JSON body over 1 MiB after the object", "", ctJSON, `{"broadcast": true, "data": "x"}` + strings.Repeat(" ", 1<<20), 413, []string{"larger than"}},
		{"form body over 1 MiB", "", ctForm, "broadcast=true&data=" + strings.Repeat("x", 1<<20), 413, []string{"larger than"}},

		// Content types.
		{"no Content-Type", "", "", `{"broadcast": true, "data": "x"}`, 415, []string{"Content-Type"}},
		{"text/plain", "", "text/plain", `{"broadcast": true, "data": "x"}`, 415, []string{"Content-Type"}},
		{"multipart", "", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"broadcast\"\r\n\r\ntrue\r\n--x--\r\n", 415, []string{"Content-Type"}},
		{"json-like type", "", "application/json-patch+json", `{"broadcast": true, "data": "x"}`, 415, []string{"Content-Type"}},
		{"malformed Content-Type", "", "application/json; charset", `{"broadcast": true, "data": "x"}`, 415, []string{"Content-Type"}},

		// Form fields.
		{"broadcast=yes", "", ctForm, `broadcast=yes&data=x`, 400, []string{"broadcast", `"yes"`}},
		{"broadcast=on", "", ctForm, `broadcast=on&data=x`, 400, []string{"broadcast", `"on"`}},
		{"unknown form field", "", ctForm, `client=alice&data=x&clients=bob`, 400, []string{"unknown form field", `"clients"`, `did you mean "client"?`}},
		{"form id field", "", ctForm, `broadcast=true&data=x&id=999`, 400, []string{"unknown form field", `"id"`}},
		{"malformed form", "", ctForm, `broadcast=true&data=%zz`, 400, []string{"malformed form"}},
		// Single-valued fields given twice are ambiguous: the hub must not
		// silently publish one of the values and drop the other.
		{"form data twice", "", ctForm, `client=alice&data=first&data=second`, 400, []string{"data"}},
		{"form event twice", "", ctForm, `client=alice&event=a&event=b&data=x`, 400, []string{"event"}},
		{"form broadcast twice", "", ctForm, `client=alice&broadcast=false&broadcast=true&data=x`, 400, []string{"broadcast"}},

		// Methods.
		{"method GET", http.MethodGet, "", ``, 405, nil},
		{"method PUT", http.MethodPut, ctJSON, `{"broadcast": true, "data": "x"}`, 405, nil},
		{"method DELETE", http.MethodDelete, "", ``, 405, nil},
		{"method PATCH", http.MethodPatch, ctJSON, `{"broadcast": true, "data": "x"}`, 405, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method := c.method
			if method == "" {
				method = http.MethodPost
			}
			code, h, body := v.ts.do(t, method, "/publish", c.contentType, strings.NewReader(c.body))
			checkError(t, code, h, body, c.code, c.words...)
			if c.code == http.StatusMethodNotAllowed && !strings.Contains(h.Get("Allow"), "POST") {
				t.Errorf("405 without Allow: POST (Allow %q)", h.Get("Allow"))
			}
			v.good(t)
		})
	}
}

// A refused publish does not stop the next good one on the same connection.
func TestPublishRefusalKeepsConnectionUsable(t *testing.T) {
	v := newVictim(t)
	for range 3 {
		code, h, body := v.ts.do(t, http.MethodPost, "/publish", "application/json", strings.NewReader(`{"client": ["alice"]}`))
		checkError(t, code, h, body, 400, "unknown field")
		v.good(t)
	}
}

// Data that looks like SSE fields reaches the client as one event whose data
// is exactly the published text, with the hub's own id and type.
func TestPublishDataInjection(t *testing.T) {
	v := newVictim(t)
	other := v.ts.openStream(t, "id=mallory", nil)
	payloads := []string{
		"x\n\nid: 999\nevent: evil\ndata: y",
		"x\r\n\r\nid: 999\r\nevent: evil\r\ndata: y",
		"x\r\rid: 999\revent: evil\rdata: y",
		"\n\nretry: 1\n\n",
		"x\n\n",
		"\x00id: 999",
		"data: y\n\n:comment\n\nid:\n\n",
	}
	for _, p := range payloads {
		for _, format := range []string{"json", "form"} {
			var r publishResponse
			if format == "json" {
				r = v.ts.publishJSON(t, jsonOf(map[string]any{"clients": []string{"alice"}, "event": "note", "data": p}))
			} else {
				r = v.ts.publishForm(t, url.Values{"client": {"alice"}, "event": {"note"}, "data": {p}})
			}
			if seq(t, r.ID) != v.last+1 {
				t.Errorf("%s publish of %q: id %s, want %d", format, p, r.ID, v.last+1)
			}
			v.last = seq(t, r.ID)
			want := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(p)
			got := v.s.Next(t)
			if got != (sse.Event{ID: r.ID, Type: "note", Data: want}) {
				t.Errorf("%s publish of %q: client got %q, want one event with id %s, type note, data %q", format, p, got, r.ID, want)
			}
			// What follows is the next good event: the payload did not
			// split into more events.
			v.good(t)
		}
	}
	// mallory was never targeted: her first event is a broadcast sentinel.
	end := v.ts.publishJSON(t, `{"broadcast": true, "data": "end"}`)
	if got := until(t, other, end.ID); len(got) != 0 {
		t.Errorf("mallory received %q, want nothing", got)
	}
}

// Client ids and topics with control characters cannot open a stream (they
// would be echoed nowhere, but a hub that accepted them could be made to
// write them); /ping refuses them too.
func TestStreamRejectsBadSubscription(t *testing.T) {
	v := newVictim(t)
	long := strings.Repeat("y", ssehub.MaxNameLen+1)
	topics := url.Values{"id": {"bob"}, "topic": names("t", ssehub.MaxTargets+1)}.Encode()
	many := url.Values{"id": {"bob"}, "topic": names("", 50_000)}.Encode()
	cases := []struct {
		name, query string
		words       []string
	}{
		{"id with CRLF injection", "id=" + url.QueryEscape("alice\r\nid: 1"), []string{"client id", "control character"}},
		{"id with LF", "id=alice%0Aevent:%20evil", []string{"client id", "control character"}},
		{"id with NUL", "id=alice%00", []string{"client id", "control character"}},
		{"id too long", "id=" + long, []string{"client id", "longer than 256"}},
		{"empty topic", "id=bob&topic=", []string{"empty topic"}},
		{"topic with CR", "id=bob&topic=room%0D", []string{"topic", "control character"}},
		{"topic too long", "id=bob&topic=" + long, []string{"topic", "longer than 256"}},
		{"too many topics", topics, []string{"too many topics"}},
		{"huge number of topics", many, []string{"query"}},
		// A query the hub cannot parse must not silently lose a parameter.
		{"bad escape in topic", "id=bob&topic=room&topic=%zz", []string{"query"}},
		{"bad escape in id", "id=%zz&topic=room", []string{"query"}},
		{"semicolon separator", "id=bob;topic=room", []string{"query"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, h, body := v.ts.do(t, http.MethodGet, "/sse?"+c.query, "", nil)
			checkError(t, code, h, body, 400, c.words...)
			ssetest.Eventually(t, "only the victim's stream is open", func() bool { return v.ts.hub.Stats().Streams == 1 })
			v.good(t)
		})
	}
	t.Run("ping with CRLF", func(t *testing.T) {
		code, h, body := v.ts.do(t, http.MethodPost, "/ping/"+url.PathEscape("alice\r\nid: 1"), "", nil)
		checkError(t, code, h, body, 400, "client id", "control character")
		v.good(t)
	})
	t.Run("ping id too long", func(t *testing.T) {
		code, h, body := v.ts.do(t, http.MethodPost, "/ping/"+long, "", nil)
		checkError(t, code, h, body, 400, "client id", "longer than 256")
		v.good(t)
	})
	t.Run("exactly MaxTargets topics is fine", func(t *testing.T) {
		s := v.ts.openStream(t, url.Values{"id": {"bob"}, "topic": names("t", ssehub.MaxTargets)}.Encode(), nil)
		r := v.ts.publishJSON(t, fmt.Sprintf(`{"topics": ["t%d"], "data": "last topic"}`, ssehub.MaxTargets-1))
		if got := s.Next(t); got.ID != r.ID || got.Data != "last topic" {
			t.Errorf("got %q, want the event %s to topic t%d", got, r.ID, ssehub.MaxTargets-1)
		}
		v.last = seq(t, r.ID)
		s.Close()
	})
}

// resetData is the data of a reset event.
type resetData struct {
	Reason      string `json:"reason"`
	LastEventID string `json:"lastEventId"`
}

// A Last-Event-ID that is not one of the hub's ids, including attempts to
// smuggle fields through it, opens a normal stream that starts with a reset
// event carrying the hub's head as its id, and then delivers live events.
func TestLastEventIDInjection(t *testing.T) {
	v := newVictim(t)
	cases := []struct {
		name   string
		header string // Last-Event-ID header, or
		query  string // lastEventId query parameter
	}{
		{"word", "not-a-number", ""},
		{"negative", "-1", ""},
		{"float", "1.5", ""},
		{"hex", "0x10", ""},
		{"overflow", "184467440737095516160", ""},
		{"spaces", "1 2", ""},
		{"field-like", "1 id: 999", ""},
		{"json", `{"id":1}`, ""},
		{"query CRLF injection", "", "alice\r\nid: 1\r\n\r\ndata: evil"},
		{"query LF injection", "", "7\nevent: evil\n\n"},
		{"query NUL", "", "1\x00"},
		{"huge", strings.Repeat("9", 4000), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, hdr, sent := "id=alice", http.Header{}, c.header
			if c.query != "" {
				q += "&lastEventId=" + url.QueryEscape(c.query)
				sent = c.query
			} else {
				hdr.Set("Last-Event-ID", c.header)
			}
			s := v.ts.openStream(t, q, hdr)
			ev := s.Next(t)
			if ev.Type != ssehub.ResetEventType {
				t.Fatalf("first event %q, want a %q event", ev, ssehub.ResetEventType)
			}
			if seq(t, ev.ID) != v.last {
				t.Errorf("reset id %s, want the head %d", ev.ID, v.last)
			}
			var d resetData
			if err := json.Unmarshal([]byte(ev.Data), &d); err != nil {
				t.Fatalf("reset data %q: %v", ev.Data, err)
			}
			if d.Reason != "unknown" || d.LastEventID != sent {
				t.Errorf("reset data %+v, want reason unknown and lastEventId %q", d, sent)
			}
			// Live delivery follows at once, on this stream as on the victim's.
			v.good(t)
			if got := s.Next(t); got.ID != fmt.Sprint(v.last) || got.Data != fmt.Sprintf("good %d", v.n) {
				t.Errorf("after the reset got %q, want the good event %d", got, v.last)
			}
			s.Close()
		})
	}
}

// A Last-Event-ID header carrying CR, LF or NUL never reaches the hub: the
// HTTP server refuses the request with a 4xx, and nothing is published.
func TestLastEventIDHeaderWithLineBreak(t *testing.T) {
	v := newVictim(t)
	addr := strings.TrimPrefix(v.ts.srv.URL, "http://")
	for _, raw := range []string{"1\rid: 999", "1\x00", "1\r\n id: 999"} {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(ssetest.Wait))
		fmt.Fprintf(nc, "GET /sse?id=alice HTTP/1.1\r\nHost: x\r\nLast-Event-ID: %s\r\n\r\n", raw)
		resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
		if err != nil {
			t.Fatalf("Last-Event-ID %q: reading response: %v", raw, err)
		}
		if resp.StatusCode == http.StatusOK {
			// An obs-fold continuation is the only way a server may take it:
			// then the stream must still start with a reset event whose id
			// is the log's head (the last good event), not an injected one.
			rd := sse.NewReader(resp.Body)
			ev, err := rd.Next()
			if err != nil || ev.Type != ssehub.ResetEventType || ev.ID != fmt.Sprint(v.last) {
				t.Errorf("Last-Event-ID %q: 200 stream starts with %q (%v), want a reset event with id %d", raw, ev, err, v.last)
			}
		} else if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("Last-Event-ID %q: status %d, want 400 or a stream", raw, resp.StatusCode)
		}
		nc.Close()
		v.good(t)
	}
}

// Nothing panics: a burst of hostile requests leaves the hub serving.
func TestHealthzAfterHostileInput(t *testing.T) {
	v := newVictim(t)
	for _, body := range []string{`{"broadcast": true, "data": {"deep": ` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}}`, strings.Repeat("{", 100000), `"` + strings.Repeat(`\u`, 1000) + `"`} {
		code, _, b := v.ts.do(t, http.MethodPost, "/publish", "application/json", strings.NewReader(body))
		if code >= 500 {
			t.Errorf("status %d for hostile body: %q", code, b)
		}
		if code == http.StatusOK {
			// A deeply nested but valid value is fine to publish; account for it.
			ev := v.s.Next(t)
			v.last = seq(t, ev.ID)
		}
	}
	code, _, b := v.ts.do(t, http.MethodGet, "/healthz", "", nil)
	if code != http.StatusOK {
		t.Errorf("GET /healthz after hostile input: %d %q", code, b)
	}
	v.good(t)
}

// A form's errors name the form's fields, and a stream asked for twice over
// (two ids) is refused rather than silently taking the first.
func TestErrorsNameTheFormsFields(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	code, h, b := ts.send(t, "POST", "/publish", "data=nobody+to+send+to")
	checkError(t, code, h, b, http.StatusBadRequest, "client", "topic", "broadcast=true")
	code, h, b = ts.send(t, "GET", "/sse?id=alice&id=bob", "")
	checkError(t, code, h, b, http.StatusBadRequest, "id")
	code, h, b = ts.send(t, "GET", "/sse?id=%ff%fe", "")
	checkError(t, code, h, b, http.StatusBadRequest, "UTF-8")
	code, h, b = ts.send(t, "POST", "/publish", "topic=%c3%28&data=x")
	checkError(t, code, h, b, http.StatusBadRequest, "UTF-8")
}
