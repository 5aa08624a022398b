package main

import (
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ssehub/ssehub/internal/redistest"
	"github.com/ssehub/ssehub/internal/ssetest"
)

var urnUUID = regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// Selectors: an exact topic, a URI template, "*", and two selectors that
// both match one update, which comes once.
func TestMercureSelectors(t *testing.T) {
	hub := startMercureHub(t)
	const book1, book2, author1 = "https://example.com/books/1", "https://example.com/books/2", "https://example.com/authors/1"
	streams := map[string]*ssetest.Stream{
		"exact":    hub.mercureOpen(t, selectors(book1, endTopic)),
		"template": hub.mercureOpen(t, selectors("https://example.com/books/{id}", endTopic)),
		"star":     hub.mercureOpen(t, selectors("*")),
		"both":     hub.mercureOpen(t, selectors("https://example.com/books/{id}", "https://example.com/authors/{id}", endTopic)),
	}
	hub.mercurePublish(t, "topic", book1, "data", "book 1")
	hub.mercurePublish(t, "topic", book2, "data", "book 2")
	hub.mercurePublish(t, "topic", author1, "data", "author 1")
	hub.mercurePublish(t, "topic", book1, "topic", author1, "data", "book 1 by author 1")
	hub.mercurePublish(t, "topic", "https://example.com/books/1/reviews", "data", "a review")
	hub.mercurePublish(t, "topic", endTopic, "data", "end")
	want := map[string][]string{
		"exact":    {"book 1", "book 1 by author 1"},
		"template": {"book 1", "book 2", "book 1 by author 1"},
		"star":     {"book 1", "book 2", "author 1", "book 1 by author 1", "a review"},
		"both":     {"book 1", "book 2", "author 1", "book 1 by author 1"},
	}
	for name, s := range streams {
		if got := datas(untilEnd(t, s)); !slices.Equal(got, want[name]) {
			t.Errorf("%s: got %q, want %q", name, got, want[name])
		}
	}
}

// Private updates reach the subscribers whose token's mercure.subscribe
// covers a topic of theirs, with the token in each of its three places,
// and no one else: not anonymous subscribers, not a token for other
// topics, not an open /sse stream of the topic.
func TestMercurePrivate(t *testing.T) {
	hub := startMercureHub(t)
	const topic = "https://example.com/books/1"
	books := mercureToken(t, mercureSubKey, nil, []string{"https://example.com/books/{id}"})
	authors := mercureToken(t, mercureSubKey, nil, []string{"https://example.com/authors/{id}"})
	q := selectors(topic, endTopic)
	streams := map[string]*ssetest.Stream{
		"header":       hub.mercureOpen(t, q, "Authorization", "Bearer "+books),
		"query":        hub.mercureOpen(t, q+"&authorization="+books),
		"cookie":       hub.mercureOpen(t, q, "Cookie", "mercureAuthorization="+books),
		"anonymous":    hub.mercureOpen(t, q),
		"other topics": hub.mercureOpen(t, q, "Authorization", "Bearer "+authors),
		"/sse":         hub.open(t, "id=open&topic="+url.QueryEscape(topic)+"&topic="+url.QueryEscape(endTopic), ""),
	}
	hub.mercurePublish(t, "topic", topic, "data", "private", "private", "on")
	hub.mercurePublish(t, "topic", topic, "data", "public")
	hub.mercurePublish(t, "topic", endTopic, "data", "end")
	for name, s := range streams {
		want := []string{"public"}
		if name == "header" || name == "query" || name == "cookie" {
			want = []string{"private", "public"}
		}
		if got := datas(untilEnd(t, s)); !slices.Equal(got, want) {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
}

// Every refusal of a Mercure publisher, on the binary, with its status and
// text; none publishes anything: subscribers of every topic get only the
// update published after them.
func TestMercurePublisherRefusals(t *testing.T) {
	hub := startMercureHub(t, "-max-data", "1KiB")
	star := hub.mercureOpen(t, selectors("*"))
	open := hub.open(t, "id=open&topic=a&topic="+url.QueryEscape(endTopic), "")
	all := "Bearer " + mercurePublisher(t)
	onlyB := "Bearer " + mercureToken(t, mercurePubKey, []string{"b"}, nil)
	subSigned := "Bearer " + mercureToken(t, mercureSubKey, []string{"*"}, nil)
	cases := []struct {
		name   string
		kv     []string
		header []string
		status int
		body   string
	}{
		{"no token", []string{"topic", "a", "data", "x"}, nil, 401, "Unauthorized\n"},
		{"token of the subscriber key", []string{"topic", "a"}, []string{"Authorization", subSigned}, 401, "Unauthorized\n"},
		{"claim without the topic", []string{"topic", "a"}, []string{"Authorization", onlyB}, 401, "Unauthorized\n"},
		{"claim without one of the topics", []string{"topic", "b", "topic", "a"}, []string{"Authorization", onlyB}, 401, "Unauthorized\n"},
		{"private, claim without the topic", []string{"topic", "a", "private", "on"}, []string{"Authorization", onlyB}, 401, "Unauthorized\n"},
		{"no topic", []string{"data", "x"}, []string{"Authorization", all}, 400, "Missing \"topic\" parameter\n"},
		{"line break in id", []string{"topic", "a", "id", "a\nb"}, []string{"Authorization", all}, 400, "\"id\" field contains a forbidden control character\n"},
		{"line break in type", []string{"topic", "a", "type", "a\r\nb"}, []string{"Authorization", all}, 400, "\"type\" field contains a forbidden control character\n"},
		{"retry not a number", []string{"topic", "a", "retry", "1.5"}, []string{"Authorization", all}, 400, "Invalid \"retry\" parameter\n"},
		{"reserved namespace", []string{"topic", "/.well-known/mercure/subscriptions/a/urn:uuid:x", "data", "forged"}, []string{"Authorization", all}, 403,
			"\"/.well-known/mercure/subscriptions/a/urn:uuid:x\": topic value references the reserved \"/.well-known/mercure\" namespace\n"},
		{"topic too long", []string{"topic", strings.Repeat("t", 257)}, []string{"Authorization", all}, 400, ""},
		{"data too large", []string{"topic", "a", "data", strings.Repeat("d", 2000)}, []string{"Authorization", all}, 413, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := hub.mercurePost(t, c.kv, c.header...)
			if code != c.status || (c.body != "" && body != c.body) {
				t.Errorf("answer %d %q, want %d %q", code, body, c.status, c.body)
			}
		})
	}
	hub.mercurePublish(t, "topic", endTopic, "data", "end")
	for name, s := range map[string]*ssetest.Stream{"Mercure *": star, "/sse": open} {
		if got := untilEnd(t, s); len(got) != 0 {
			t.Errorf("%s received %q from refused publishes", name, datas(got))
		}
	}
}

// A publisher's own id is the event's id; without one the hub makes a
// urn:uuid; both come in the stream's id: field.
func TestMercureIDs(t *testing.T) {
	hub := startMercureHub(t)
	s := hub.mercureOpen(t, selectors("t"))
	chosen := hub.mercurePublish(t, "topic", "t", "data", "chosen", "id", "https://example.com/events/1")
	generated := hub.mercurePublish(t, "topic", "t", "data", "generated")
	if chosen != "https://example.com/events/1" || !urnUUID.MatchString(generated) {
		t.Fatalf("ids %q, %q: want the chosen one and a urn:uuid", chosen, generated)
	}
	for _, want := range []struct{ id, data string }{{chosen, "chosen"}, {generated, "generated"}} {
		if ev := s.Next(t); ev.ID != want.id || ev.Data != want.data {
			t.Errorf("got %+v, want id %s data %s", ev, want.id, want.data)
		}
	}
}

// Resumption on each store: by the Last-Event-ID header and by the
// lastEventID query parameter, after chosen and generated ids, exactly;
// "earliest" replays everything; an unknown id replays nothing (as the
// Mercure hub does) and the stream goes on live. The response's
// Last-Event-ID header is the newest id.
func TestMercureResumption(t *testing.T) {
	for _, store := range []string{"memory", "bolt", "redis"} {
		t.Run(store, func(t *testing.T) {
			var args []string
			switch store {
			case "bolt":
				args = []string{"-store", "bolt:" + filepath.Join(t.TempDir(), "events.db")}
			case "redis":
				args = []string{"-redis", redistest.Start(t).URL()}
			}
			testMercureResumption(t, startMercureHub(t, args...))
		})
	}
}

func testMercureResumption(t *testing.T, hub *hubProcess) {
	q := selectors("https://example.com/books/{id}")
	ids := []string{
		hub.mercurePublish(t, "topic", "https://example.com/books/1", "data", "one", "id", "book-1"),
		hub.mercurePublish(t, "topic", "https://example.com/books/2", "data", "two"),
		hub.mercurePublish(t, "topic", "https://example.com/other", "data", "not for it"),
		hub.mercurePublish(t, "topic", "https://example.com/books/3", "data", "three", "id", "book-3"),
	}
	expect := func(name string, s *ssetest.Stream, want ...string) {
		t.Helper()
		for _, w := range want {
			if ev := s.Next(t); ev.Data != w {
				t.Errorf("%s: got %+v, want %q", name, ev, w)
			}
		}
	}
	header := hub.mercureOpen(t, q, "Last-Event-ID", ids[0])
	if got := header.Resp.Header.Get("Last-Event-ID"); got != ids[3] {
		t.Errorf("response header Last-Event-ID %q, want the newest id %q", got, ids[3])
	}
	expect("after book-1 (header)", header, "two", "three")
	query := hub.mercureOpen(t, q+"&lastEventID="+url.QueryEscape(ids[1]))
	expect("after the generated id (query)", query, "three")
	both := hub.mercureOpen(t, q+"&lastEventID=book-3", "Last-Event-ID", ids[0])
	expect("header over query", both, "two", "three")
	earliest := hub.mercureOpen(t, q+"&lastEventID=earliest")
	expect("earliest", earliest, "one", "two", "three")
	unknown := hub.mercureOpen(t, q, "Last-Event-ID", "urn:uuid:00000000-0000-4000-8000-000000000000")
	// An id the store retains is refused (409), on every store: a
	// Last-Event-ID names one event. Nothing is published (the next event
	// every stream gets is the live one).
	if code, body := hub.mercurePost(t, []string{"topic", "https://example.com/books/9", "data", "again", "id", "book-1"},
		"Authorization", "Bearer "+mercurePublisher(t)); code != http.StatusConflict {
		t.Errorf("publish of the retained id book-1: %d %q, want 409", code, body)
	}
	live := hub.mercurePublish(t, "topic", "https://example.com/books/4", "data", "four")
	for name, s := range map[string]*ssetest.Stream{"header": header, "query": query, "both": both, "earliest": earliest, "unknown": unknown} {
		if ev := s.Next(t); ev.Data != "four" || ev.ID != live {
			t.Errorf("%s: got %+v, want the live update four (%s) next", name, ev, live)
		}
	}
}

// Mercure and the hub's own API share one hub: a POST /publish to topic T
// reaches Mercure subscribers of T; a Mercure update on T reaches
// /sse?topic=T; a private one does not.
func TestMercureInterop(t *testing.T) {
	hub := startMercureHub(t)
	const topic = "https://example.com/rooms/1"
	m := hub.mercureOpen(t, selectors("https://example.com/rooms/{id}"))
	s := hub.open(t, "id=web&topic="+url.QueryEscape(topic), "")
	id := hub.mustPublish(t, `{"topics":["`+topic+`"],"event":"chat","data":"from /publish"}`)
	if ev := m.Next(t); ev.Data != "from /publish" || ev.Type != "chat" || ev.ID != id {
		t.Errorf("Mercure subscriber got %+v, want the /publish event (id %s)", ev, id)
	}
	s.Expect(t, "from /publish")
	hub.mercurePublish(t, "topic", topic, "data", "private", "private", "on")
	mid := hub.mercurePublish(t, "topic", topic, "data", "from Mercure", "type", "chat")
	if ev := s.Next(t); ev.Data != "from Mercure" || ev.ID != mid || ev.Type != "chat" {
		t.Errorf("/sse stream got %+v, want the public Mercure update %s (not the private one)", ev, mid)
	}
	if ev := m.Next(t); ev.Data != "from Mercure" {
		t.Errorf("anonymous Mercure subscriber got %+v, want the public update (not the private one)", ev)
	}
}

// Subscriber refusals on the binary: without -mercure-anonymous no token
// is 401; an invalid token is 401 even with it; no topic is 400.
func TestMercureSubscriberRefusals(t *testing.T) {
	anon := startMercureHub(t)
	keyed := startHub(t, "-mercure", "-mercure-subscriber-jwt-key", mercureSubKey)
	forged := mercureToken(t, mercurePubKey, nil, []string{"*"})
	for _, c := range []struct {
		name   string
		hub    *hubProcess
		query  string
		header []string
		status int
	}{
		{"no token", keyed, selectors("a"), nil, 401},
		{"invalid token", keyed, selectors("a"), []string{"Authorization", "Bearer " + forged}, 401},
		{"invalid token, anonymous", anon, selectors("a") + "&authorization=" + forged, nil, 401},
		{"no topic", anon, "", nil, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", c.hub.url+"/.well-known/mercure?"+c.query, nil)
			for i := 0; i+1 < len(c.header); i += 2 {
				req.Header.Add(c.header[i], c.header[i+1])
			}
			resp, err := c.hub.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Errorf("status %d, want %d", resp.StatusCode, c.status)
			}
		})
	}
	// Without a publisher key, Mercure publishing is refused, and said so at start.
	if code, _ := keyed.mercurePost(t, []string{"topic", "a"}, "Authorization", "Bearer "+mercurePublisher(t)); code != 401 {
		t.Errorf("publish on a hub without a publisher key: %d, want 401", code)
	}
	if !strings.Contains(keyed.stderr.String(), "-mercure-publisher-jwt-key") {
		t.Errorf("no warning of the missing publisher key at start:\n%s", keyed.stderr)
	}
}

// With subscriber tokens on /sse (-jwt-secret), a stream whose token
// allowed a topic sees that topic's private Mercure updates; a stream of
// another topic's token does not see them.
func TestMercurePrivateKeyedSSE(t *testing.T) {
	const secret = "an-sse-subscriber-secret-32bytes"
	hub := startMercureHub(t, "-jwt-secret", secret)
	const topic = "https://example.com/books/1"
	sseToken := func(topics ...string) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "alice", "iat": time.Now().Unix(),
			"exp": time.Now().Add(time.Hour).Unix(), "topics": topics}).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	allowed := hub.open(t, "topic="+url.QueryEscape(topic)+"&topic="+url.QueryEscape(endTopic)+"&token="+sseToken(topic, endTopic), "")
	other := hub.open(t, "topic="+url.QueryEscape(endTopic)+"&token="+sseToken(endTopic), "")
	hub.mercurePublish(t, "topic", topic, "topic", endTopic, "data", "private to both topics", "private", "on")
	hub.mercurePublish(t, "topic", endTopic, "data", "end")
	if got := datas(untilEnd(t, allowed)); !slices.Equal(got, []string{"private to both topics"}) {
		t.Errorf("stream allowed the topic got %q, want the private update", got)
	}
	// other's token allowed endTopic, a topic of the update too: it may see it.
	if got := datas(untilEnd(t, other)); !slices.Equal(got, []string{"private to both topics"}) {
		t.Errorf("stream allowed endTopic got %q, want the private update (one of its topics)", got)
	}
	hub.mercurePublish(t, "topic", topic, "data", "private to the book", "private", "on")
	hub.mercurePublish(t, "topic", endTopic, "data", "end")
	if got := datas(untilEnd(t, allowed)); !slices.Equal(got, []string{"private to the book"}) {
		t.Errorf("stream allowed the topic got %q, want the private update", got)
	}
	if got := datas(untilEnd(t, other)); len(got) != 0 {
		t.Errorf("stream not allowed the topic got %q, want nothing", got)
	}
}
