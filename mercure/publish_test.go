package mercure_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub/mercure"
)

var urnUUIDv4 = regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// A publish with every field records an entry with each of them, and
// answers 200 text/plain with the id.
func TestPublishFields(t *testing.T) {
	h := newTestHub(t, mercure.Config{})
	a := h.post(t, form("topic", "https://example.com/books/1", "topic", "https://example.com/authors/2",
		"data", "line 1\nline 2", "private", "on", "id", "book-1", "type", "update", "retry", "2500"),
		"Authorization", "Bearer "+publisher(t))
	if a.status != 200 || a.body != "book-1" || !strings.HasPrefix(a.ctype, "text/plain") {
		t.Fatalf("answer %+v, want 200 text/plain book-1", a)
	}
	es := h.entries(t)
	if len(es) != 1 {
		t.Fatalf("%d entries, want 1", len(es))
	}
	e := es[0]
	if !slices.Equal(e.Topics, []string{"https://example.com/books/1", "https://example.com/authors/2"}) ||
		string(e.Data) != "line 1\nline 2" || !e.Private || e.EventID != "book-1" || e.Type != "update" || e.Retry != 2500*time.Millisecond {
		t.Errorf("entry %+v, want the form's fields", e)
	}
}

// Without an id, the hub makes a urn:uuid (v4) one, a new one each time,
// and records it as the entry's EventID.
func TestPublishGeneratesIDs(t *testing.T) {
	h := newTestHub(t, mercure.Config{})
	seen := map[string]bool{}
	for range 20 {
		a := h.post(t, form("topic", "t", "data", "x"), "Authorization", "Bearer "+publisher(t))
		if a.status != 200 || !urnUUIDv4.MatchString(a.body) {
			t.Fatalf("answer %+v, want 200 with a urn:uuid v4", a)
		}
		if seen[a.body] {
			t.Fatalf("id %s generated twice", a.body)
		}
		seen[a.body] = true
	}
	for _, e := range h.entries(t) {
		if !seen[e.EventID] {
			t.Errorf("entry %d has EventID %q, not one of the answers", e.Seq, e.EventID)
		}
	}
}

// Every refusal of the Mercure hub, with its status and text, in its
// order (the token first), and nothing published by any.
func TestPublishRefusals(t *testing.T) {
	h := newTestHub(t, mercure.Config{MaxDataBytes: 100})
	all := "Bearer " + publisher(t)
	books := "Bearer " + token(t, pubKey, map[string]any{"publish": []string{"https://example.com/books/{id}"}})
	none := "Bearer " + token(t, pubKey, map[string]any{"subscribe": []string{"*"}}) // no publish claim
	empty := "Bearer " + token(t, pubKey, map[string]any{"publish": []string{}})
	subscriberKey := "Bearer " + token(t, subKey, map[string]any{"publish": []string{"*"}})
	expired := "Bearer " + token(t, pubKey, map[string]any{"publish": []string{"*"}}, "exp", time.Now().Add(-time.Minute).Unix())
	cases := []struct {
		name   string
		form   string
		header []string
		status int
		body   string
	}{
		{"no token", form("topic", "a"), nil, 401, "Unauthorized\n"},
		{"no token and no topic", form("data", "x"), nil, 401, "Unauthorized\n"},
		{"token of the subscriber key", form("topic", "a"), []string{"Authorization", subscriberKey}, 401, "Unauthorized\n"},
		{"expired token", form("topic", "a"), []string{"Authorization", expired}, 401, "Unauthorized\n"},
		{"no publish claim", form("topic", "a"), []string{"Authorization", none}, 401, "Unauthorized\n"},
		{"empty publish claim", form("topic", "a"), []string{"Authorization", empty}, 401, "Unauthorized\n"},
		{"not a bearer token", form("topic", "a"), []string{"Authorization", "Basic " + strings.Repeat("x", 60)}, 401, "Unauthorized\n"},
		{"short token", form("topic", "a"), []string{"Authorization", "Bearer abc"}, 401, "Unauthorized\n"},
		{"garbage token", form("topic", "a"), []string{"Authorization", "Bearer " + strings.Repeat("x", 60)}, 401, "Unauthorized\n"},
		{"valid token, no topic", form("data", "x"), []string{"Authorization", all}, 400, "Missing \"topic\" parameter\n"},
		{"retry not a number", form("topic", "a", "retry", "soon"), []string{"Authorization", all}, 400, "Invalid \"retry\" parameter\n"},
		{"negative retry", form("topic", "a", "retry", "-1"), []string{"Authorization", all}, 400, "Invalid \"retry\" parameter\n"},
		{"retry past a duration", form("topic", "a", "retry", "18446744073709551615"), []string{"Authorization", all}, 400, "Invalid \"retry\" parameter\n"},
		{"claim does not cover a topic", form("topic", "https://example.com/books/1", "topic", "https://example.com/authors/1"), []string{"Authorization", books}, 401, "Unauthorized\n"},
		{"claim does not cover a private topic", form("topic", "https://example.com/other", "private", "on"), []string{"Authorization", books}, 401, "Unauthorized\n"},
		{"reserved namespace", form("topic", "https://example.com/.well-known/mercure/subscriptions/a/b"), []string{"Authorization", all}, 403,
			"\"https://example.com/.well-known/mercure/subscriptions/a/b\": topic value references the reserved \"/.well-known/mercure\" namespace\n"},
		{"reserved namespace, second topic", form("topic", "a", "topic", "/.well-known/mercure"), []string{"Authorization", all}, 403,
			"\"/.well-known/mercure\": topic value references the reserved \"/.well-known/mercure\" namespace\n"},
		{"line feed in id", form("topic", "a", "id", "x\ny"), []string{"Authorization", all}, 400, "\"id\" field contains a forbidden control character\n"},
		{"carriage return in id", form("topic", "a", "id", "x\ry"), []string{"Authorization", all}, 400, "\"id\" field contains a forbidden control character\n"},
		{"NUL in id", form("topic", "a", "id", "x\x00y"), []string{"Authorization", all}, 400, "\"id\" field contains a forbidden control character\n"},
		{"id earliest", form("topic", "a", "id", "earliest"), []string{"Authorization", all}, 400, "\"id\" field uses the reserved value \"earliest\"\n"},
		{"line feed in type", form("topic", "a", "type", "x\ny"), []string{"Authorization", all}, 400, "\"type\" field contains a forbidden control character\n"},
		{"data too large", form("topic", "a", "data", strings.Repeat("d", 101)), []string{"Authorization", all}, 413, "\"data\" field has 101 bytes, more than the 100 allowed\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := h.post(t, c.form, c.header...)
			if a.status != c.status || a.body != c.body {
				t.Errorf("answer %d %q, want %d %q", a.status, a.body, c.status, c.body)
			}
			if !strings.HasPrefix(a.ctype, "text/plain") {
				t.Errorf("Content-Type %q, want text/plain (as the Mercure hub)", a.ctype)
			}
		})
	}
	if es := h.entries(t); len(es) != 0 {
		t.Errorf("%d entries published by refused requests (first: %+v)", len(es), es[0])
	}
}

// A topic the hub refuses (longer than its MaxNameLen, with a control
// character) is a 400 in plain text, and nothing is published.
func TestPublishTopicsTheHubRefuses(t *testing.T) {
	h := newTestHub(t, mercure.Config{})
	for _, topic := range []string{strings.Repeat("t", 257), "a\x01b"} {
		a := h.post(t, form("topic", topic), "Authorization", "Bearer "+publisher(t))
		if a.status != 400 || !strings.HasPrefix(a.ctype, "text/plain") {
			t.Errorf("topic %.20q: answer %+v, want 400 text/plain", topic, a)
		}
	}
	if es := h.entries(t); len(es) != 0 {
		t.Errorf("%d entries published", len(es))
	}
}

// A publisher's token is read from the header, the query parameter or
// the cookie; by cookie, only from a page of an allowed origin.
func TestPublishTokenPlaces(t *testing.T) {
	h := newTestHub(t, mercure.Config{PublishOrigins: []string{"https://app.example.com"}})
	tok := publisher(t)
	query := func(t *testing.T, q string) answer {
		req, _ := http.NewRequest("POST", h.srv.URL+mercure.Path+"?"+q, strings.NewReader(form("topic", "a")))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return do(t, h.srv.Client(), req)
	}
	cookie := mercure.CookieName + "=" + tok
	for name, c := range map[string]struct {
		a    func(t *testing.T) answer
		want int
	}{
		"header":      {func(t *testing.T) answer { return h.post(t, form("topic", "a"), "Authorization", "Bearer "+tok) }, 200},
		"query":       {func(t *testing.T) answer { return query(t, "authorization="+tok) }, 200},
		"query twice": {func(t *testing.T) answer { return query(t, "authorization="+tok+"&authorization="+tok) }, 401},
		"cookie, allowed origin": {func(t *testing.T) answer {
			return h.post(t, form("topic", "a"), "Cookie", cookie, "Origin", "https://app.example.com")
		}, 200},
		"cookie, allowed referer": {func(t *testing.T) answer {
			return h.post(t, form("topic", "a"), "Cookie", cookie, "Referer", "https://app.example.com/page")
		}, 200},
		"cookie, no origin": {func(t *testing.T) answer { return h.post(t, form("topic", "a"), "Cookie", cookie) }, 401},
		"cookie, other origin": {func(t *testing.T) answer {
			return h.post(t, form("topic", "a"), "Cookie", cookie, "Origin", "https://evil.example")
		}, 401},
		"bad header, good cookie": {func(t *testing.T) answer {
			return h.post(t, form("topic", "a"), "Authorization", "Bearer nope", "Cookie", cookie, "Origin", "https://app.example.com")
		}, 401},
	} {
		t.Run(name, func(t *testing.T) {
			if a := c.a(t); a.status != c.want {
				t.Errorf("answer %+v, want %d", a, c.want)
			}
		})
	}
}

// Without a publisher key every publish is refused (401), token or not.
func TestPublishWithoutKey(t *testing.T) {
	h := newTestHub(t, mercure.Config{})
	m := mercure.New(h.hub, mercure.Config{Anonymous: true})
	req, _ := http.NewRequest("POST", mercure.Path, strings.NewReader(form("topic", "a")))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+publisher(t))
	w := &recorder{header: http.Header{}}
	m.ServeHTTP(w, req)
	if w.status != 401 {
		t.Errorf("status %d, want 401", w.status)
	}
}

// recorder is the least of a ResponseWriter, for a refusal.
type recorder struct {
	header http.Header
	status int
	body   strings.Builder
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(code int) { r.status = code }

// A publish claim's selectors are matched as subscriptions are: exact
// topics, URI templates, "*".
func TestPublishClaimSelectors(t *testing.T) {
	h := newTestHub(t, mercure.Config{})
	claim := "Bearer " + token(t, pubKey, map[string]any{"publish": []string{"https://example.com/books/{id}", "urn:exact"}})
	for _, c := range []struct {
		topics []string
		want   int
	}{
		{[]string{"https://example.com/books/1"}, 200},
		{[]string{"urn:exact", "https://example.com/books/2"}, 200},
		{[]string{"https://example.com/books/1/reviews"}, 401},
		{[]string{"urn:exact:not"}, 401},
		{[]string{"https://example.com/books/1", "https://example.com/authors/1"}, 401},
	} {
		var kv []string
		for _, topic := range c.topics {
			kv = append(kv, "topic", topic)
		}
		if a := h.post(t, form(kv...), "Authorization", claim); a.status != c.want {
			t.Errorf("topics %q: answer %+v, want %d", c.topics, a, c.want)
		}
	}
	if n := len(h.entries(t)); n != 2 {
		t.Errorf("%d entries, want the 2 allowed", n)
	}
}
