package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ssehub/ssehub/internal/redistest"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// mercureArgs are the flags of a Mercure hub with the subscriptions API.
var mercureArgs = []string{"-mercure", "-mercure-subscriptions",
	"-mercure-subscriber-jwt-key", mercureSubKey, "-mercure-publisher-jwt-key", mercurePubKey}

// The subscription events' topics, as a selector and as a claim, and the
// API's URLs as a claim covers them.
const subscriptionsTemplate = "/.well-known/mercure/subscriptions/{topic}/{subscriber}"

var apiClaim = []any{"/.well-known/mercure/subscriptions", "/.well-known/mercure/subscriptions/{topic}", subscriptionsTemplate}

// claimToken signs a token with the mercure claim c under key.
func claimToken(t *testing.T, key string, c map[string]any) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"mercure": c}).SignedString([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// mercureSub opens a Mercure subscription to the selectors on p with the
// token (none when ""), resuming after last when it is not "".
func (p *hubProcess) mercureSub(t *testing.T, token, last string, selectors ...string) *ssetest.Stream {
	t.Helper()
	q := url.Values{"topic": selectors}
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	if last != "" {
		h.Set("Last-Event-ID", last)
	}
	return ssetest.Open(t, p.client, p.url+"/.well-known/mercure?"+q.Encode(), h)
}

// mercureGet GETs path on p with the token (none when "").
func (p *hubProcess) mercureGet(t *testing.T, path, token string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.url+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// jsonldSub is a Subscription of the subscriptions API, as a client reads it.
type jsonldSub struct {
	Context     string          `json:"@context"`
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Subscriber  string          `json:"subscriber"`
	Topic       string          `json:"topic"`
	Active      bool            `json:"active"`
	LastEventID string          `json:"lastEventID"`
	Payload     json.RawMessage `json:"payload"`
}

// jsonldSubs is the API's list.
type jsonldSubs struct {
	Context       string      `json:"@context"`
	ID            string      `json:"id"`
	Type          string      `json:"type"`
	LastEventID   string      `json:"lastEventID"`
	Subscriptions []jsonldSub `json:"subscriptions"`
}

// subscriptionEvent reads the next event of s as a subscription event.
func subscriptionEvent(t *testing.T, s *ssetest.Stream) (jsonldSub, string) {
	t.Helper()
	ev := s.Next(t)
	var sub jsonldSub
	if err := json.Unmarshal([]byte(ev.Data), &sub); err != nil {
		t.Fatalf("a subscription event that is not JSON: %q", ev.Data)
	}
	return sub, ev.ID
}

// wantSubscription checks a subscription (of the API or an event).
func wantSubscription(t *testing.T, got jsonldSub, topic, payload string, active bool) {
	t.Helper()
	id := "/.well-known/mercure/subscriptions/" + url.QueryEscape(topic) + "/" + url.QueryEscape(got.Subscriber)
	if got.Type != "Subscription" || got.Topic != topic || got.ID != id || got.Active != active ||
		!strings.HasPrefix(got.Subscriber, "urn:uuid:") || compactJSON(got.Payload) != payload {
		t.Fatalf("subscription %+v (payload %s), want topic %q, id %q, active %v, payload %s", got, got.Payload, topic, id, active, payload)
	}
}

func compactJSON(b json.RawMessage) string {
	if len(b) == 0 {
		return ""
	}
	var v any
	json.Unmarshal(b, &v)
	c, _ := json.Marshal(v)
	return string(c)
}

// listSubscriptions GETs the API's path on p and decodes the list.
func (p *hubProcess) listSubscriptions(t *testing.T, path, token string) jsonldSubs {
	t.Helper()
	code, h, body := p.mercureGet(t, path, token)
	if code != http.StatusOK || h.Get("Content-Type") != "application/ld+json" {
		t.Fatalf("GET %s: %d %s %s", path, code, h.Get("Content-Type"), body)
	}
	var l jsonldSubs
	if err := json.Unmarshal([]byte(body), &l); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
	if l.Context != "https://mercure.rocks/" || l.Type != "Subscriptions" || l.ID != path || l.LastEventID == "" || l.Subscriptions == nil {
		t.Fatalf("GET %s: %s", path, body)
	}
	return l
}

// topicsOf returns the subscribers' topics of a list, sorted.
func topicsOf(l jsonldSubs, subscriber string) []string {
	var ts []string
	for _, s := range l.Subscriptions {
		if subscriber == "" || s.Subscriber == subscriber {
			ts = append(ts, s.Topic)
		}
	}
	slices.Sort(ts)
	return ts
}

const booksTemplate = "https://example.com/books/{id}"

// The subscriptions API and its events on one hub: refusals (401) without
// a token, with an invalid one, with one whose claim does not cover the
// URL; a subscriber's arrival and departure as private events, with its
// payload; the list, by topic, and one subscription (404 for one that is
// not active).
func TestMercureSubscriptionsAPI(t *testing.T) {
	hub := startHub(t, mercureArgs...)
	testSubscriptionsAPI(t, hub, hub)
}

// The same across two nodes on one Redis: the subscriber on one, the
// listener and the API on the other, which lists the subscribers of both.
func TestMercureSubscriptionsAPIAcrossNodes(t *testing.T) {
	nodes := startNodes(t, redistest.Start(t), 2, mercureArgs...)
	testSubscriptionsAPI(t, nodes[0], nodes[1])
}

func testSubscriptionsAPI(t *testing.T, on, other *hubProcess) {
	api := claimToken(t, mercureSubKey, map[string]any{"subscribe": apiClaim})
	for name, token := range map[string]string{
		"no token":         "",
		"invalid token":    api[:len(api)-4] + "AAAA",
		"other key":        claimToken(t, mercurePubKey, map[string]any{"subscribe": apiClaim}),
		"uncovering claim": claimToken(t, mercureSubKey, map[string]any{"subscribe": []any{"https://example.com/books/{id}"}}),
	} {
		if code, _, body := other.mercureGet(t, "/.well-known/mercure/subscriptions", token); code != http.StatusUnauthorized {
			t.Errorf("%s: GET the subscriptions: %d %s, want 401", name, code, body)
		}
	}
	// A claim covering only one topic's list reads that one and no other.
	bookList := "/.well-known/mercure/subscriptions/" + url.QueryEscape(booksTemplate)
	narrow := claimToken(t, mercureSubKey, map[string]any{"subscribe": []any{bookList}})
	if code, _, body := other.mercureGet(t, "/.well-known/mercure/subscriptions", narrow); code != http.StatusUnauthorized {
		t.Errorf("a claim for one topic's list: GET every subscription: %d %s, want 401", code, body)
	}
	other.listSubscriptions(t, bookList, narrow)

	// The listener receives the subscription events (private: its claim
	// covers them); a subscriber without that right does not.
	listener := other.mercureSub(t, api, "", subscriptionsTemplate)
	self, _ := subscriptionEvent(t, listener) // its own arrival
	wantSubscription(t, self, subscriptionsTemplate, "", true)
	nosy := other.mercureSub(t, claimToken(t, mercureSubKey, map[string]any{"subscribe": []any{}}), "", subscriptionsTemplate)
	// Its arrival, before the subscriber's: events are published after the
	// stream answers, so a subscriber opened now could come first.
	if ev, _ := subscriptionEvent(t, listener); ev.Topic != subscriptionsTemplate || ev.Subscriber == self.Subscriber {
		t.Fatalf("the listener got %+v, want the nosy subscriber's arrival", ev)
	}

	alice := claimToken(t, mercureSubKey, map[string]any{"subscribe": []any{"https://example.com/books/1"}, "payload": map[string]any{"user": "alice"}})
	s := on.mercureSub(t, alice, "", booksTemplate, "https://example.com/authors/{id}")
	arrived := map[string]jsonldSub{}
	var lastID string
	for len(arrived) < 2 {
		sub, id := subscriptionEvent(t, listener)
		arrived[sub.Topic], lastID = sub, id
	}
	wantSubscription(t, arrived[booksTemplate], booksTemplate, `{"user":"alice"}`, true)
	wantSubscription(t, arrived["https://example.com/authors/{id}"], "https://example.com/authors/{id}", `{"user":"alice"}`, true)
	subscriber := arrived[booksTemplate].Subscriber
	nosy.ExpectNone(t, 200*time.Millisecond)

	all := other.listSubscriptions(t, "/.well-known/mercure/subscriptions", api)
	if got := topicsOf(all, subscriber); !slices.Equal(got, []string{"https://example.com/authors/{id}", booksTemplate}) {
		t.Errorf("the list has %v of the subscriber, want its two selectors:\n%+v", got, all)
	}
	if got := topicsOf(all, self.Subscriber); !slices.Equal(got, []string{subscriptionsTemplate}) {
		t.Errorf("the list has %v of the listener, want its selector", got)
	}
	if all.LastEventID != lastID {
		t.Errorf("lastEventID %q, want the newest event's id %q", all.LastEventID, lastID)
	}
	req, _ := http.NewRequest(http.MethodGet, other.url+"/.well-known/mercure/subscriptions", nil)
	req.Header.Set("Authorization", "Bearer "+api)
	req.Header.Set("If-None-Match", lastID)
	resp, err := other.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("GET the subscriptions with If-None-Match: the lastEventID: %s, want 304", resp.Status)
	}
	books := other.listSubscriptions(t, bookList, api)
	if len(books.Subscriptions) != 1 {
		t.Fatalf("GET %s: %+v, want the subscriber's one", bookList, books)
	}
	wantSubscription(t, books.Subscriptions[0], booksTemplate, `{"user":"alice"}`, true)

	one := arrived[booksTemplate].ID
	code, h, body := other.mercureGet(t, one, api)
	var single jsonldSub
	if code != http.StatusOK || h.Get("Content-Type") != "application/ld+json" || json.Unmarshal([]byte(body), &single) != nil {
		t.Fatalf("GET %s: %d %s", one, code, body)
	}
	wantSubscription(t, single, booksTemplate, `{"user":"alice"}`, true)
	if single.Context != "https://mercure.rocks/" || single.LastEventID != lastID {
		t.Errorf("GET %s: %s, want its @context and lastEventID %q", one, body, lastID)
	}
	gone := "/.well-known/mercure/subscriptions/" + url.QueryEscape(booksTemplate) + "/" + url.QueryEscape("urn:uuid:00000000-0000-4000-8000-000000000000")
	if code, _, body := other.mercureGet(t, gone, api); code != http.StatusNotFound {
		t.Errorf("GET a subscription that is not active: %d %s, want 404", code, body)
	}

	// Departure: both subscriptions inactive, and gone from the list.
	s.Close()
	left := map[string]jsonldSub{}
	for range 2 {
		sub, _ := subscriptionEvent(t, listener)
		left[sub.Topic] = sub
	}
	wantSubscription(t, left[booksTemplate], booksTemplate, `{"user":"alice"}`, false)
	wantSubscription(t, left["https://example.com/authors/{id}"], "https://example.com/authors/{id}", `{"user":"alice"}`, false)
	ssetest.Eventually(t, "the subscriber gone from the list", func() bool {
		return len(topicsOf(other.listSubscriptions(t, "/.well-known/mercure/subscriptions", api), subscriber)) == 0
	})
}

// The two-node test: an update published on one node reaches a
// subscriber (by URI template) on the other, and a subscriber that
// resumes on the other node with the first update's id gets exactly the
// updates after it, by header and by lastEventID, with publisher-chosen
// and generated ids.
func TestMercureTwoNodesPublishSubscribeResume(t *testing.T) {
	nodes := startNodes(t, redistest.Start(t), 2, "-mercure", "-mercure-anonymous", "-mercure-publisher-jwt-key", mercurePubKey)
	a, b := nodes[0], nodes[1]
	s := b.mercureSub(t, "", "", booksTemplate)
	first := a.mercurePublish(t, "topic", "https://example.com/books/1", "data", "one", "id", "chosen-1")
	if first != "chosen-1" {
		t.Fatalf("publish with id chosen-1 answered %q", first)
	}
	var ids []string
	ids = append(ids, a.mercurePublish(t, "topic", "https://example.com/books/2", "data", "two"))
	ids = append(ids, a.mercurePublish(t, "topic", "https://example.com/books/3", "data", "three", "id", "chosen-3"))
	a.mercurePublish(t, "topic", "https://example.com/authors/1", "data", "not a book")
	for i, want := range []string{"one", "two", "three"} {
		ev := s.Next(t)
		if ev.Data != want || (i > 0 && ev.ID != ids[i-1]) || (i == 0 && ev.ID != first) {
			t.Fatalf("subscriber on B got %q id %q, want %q", ev.Data, ev.ID, want)
		}
	}
	s.ExpectNone(t, 200*time.Millisecond)
	if !strings.HasPrefix(ids[0], "urn:uuid:") {
		t.Errorf("a generated id %q, want urn:uuid:…", ids[0])
	}
	for name, open := range map[string]func() *ssetest.Stream{
		"header": func() *ssetest.Stream { return b.mercureSub(t, "", first, booksTemplate) },
		"query": func() *ssetest.Stream {
			q := url.Values{"topic": {booksTemplate}, "lastEventID": {first}}
			return ssetest.Open(t, b.client, b.url+"/.well-known/mercure?"+q.Encode(), nil)
		},
	} {
		r := open()
		for i, want := range []string{"two", "three"} {
			if ev := r.Next(t); ev.Data != want || ev.ID != ids[i] {
				t.Fatalf("resumed by %s after %s on B: got %q id %q, want %q id %q", name, first, ev.Data, ev.ID, want, ids[i])
			}
		}
		r.ExpectNone(t, 200*time.Millisecond)
		r.Close()
	}
}
