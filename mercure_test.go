package ssehub_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/sse"
)

// mercureHandler serves /mercure as a Mercure adapter would: each "topic"
// parameter a selector, each "private" one a private selector, a fresh
// client id per stream; and everything else as the hub's own /sse.
func mercureHandler(hub *ssehub.Hub) http.Handler {
	var n atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/mercure", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		sub := ssehub.Subscription{
			Client:    fmt.Sprintf("urn:uuid:%d", n.Add(1)),
			Selectors: q["topic"],
			Private:   q["private"],
		}
		hub.ServeStream(w, r, sub)
	})
	mux.Handle("/", hub)
	return mux
}

// startMercure is start with mercureHandler.
func startMercure(t *testing.T, cfg ssehub.Config, m mode) *env {
	t.Helper()
	hub := ssehub.New(cfg)
	srv := newServer(mercureHandler(hub), m)
	ssetest.ShutdownAtEnd(t, hub, srv)
	return &env{hub: hub, srv: srv, client: srv.Client()}
}

// subscribe opens a Mercure stream on /mercure?query.
func (e *env) subscribe(t *testing.T, query string, header ...string) *ssetest.Stream {
	t.Helper()
	return ssetest.Open(t, e.client, e.srv.URL+"/mercure?"+query, headerOf(header))
}

// expectIDs reads one event per id and requires each to carry it, with
// data equal to the id when data is nil.
func expectIDs(t *testing.T, s *ssetest.Stream, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if ev := s.Next(t); ev.ID != id {
			t.Fatalf("got event %+v, want id %q", ev, id)
		}
	}
}

const books = "https://example.com/books/{id}"

// A Mercure stream receives, live, the events with a topic its selectors
// match (exactly, by URI template), with the publisher's id as its id and
// its retry; no broadcast, nothing sent to its client id alone, nothing of
// other topics, and an event matched by several selectors once.
func TestMercureStreamsReceiveWhatTheirSelectorsMatch(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e := startMercure(t, ssehub.Config{Heartbeat: -1}, m)
			s := e.subscribe(t, "topic="+books+"&topic=/exact&topic=https://example.com/books/9")
			client := s.Resp.Header.Get("Last-Event-ID") // any value: the header is there
			if client != "earliest" {
				t.Fatalf("Last-Event-ID header on an empty log: %q, want earliest", client)
			}
			e.publish(t, ssehub.Message{Broadcast: true, Data: []byte("broadcast")})
			e.publish(t, ssehub.Message{Clients: []string{"urn:uuid:1"}, Data: []byte("to its client id")})
			e.publish(t, ssehub.Message{Topics: []string{"https://example.com/authors/1"}, Data: []byte("other")})
			e.publish(t, ssehub.Message{Topics: []string{"https://example.com/books/1"}, Private: true, Data: []byte("private")})
			e.publish(t, ssehub.Message{Topics: []string{"https://example.com/books/1"}, EventID: "urn:uuid:b1", Data: []byte("b1"), Retry: 2500 * time.Millisecond})
			seq := e.publish(t, ssehub.Message{Topics: []string{"/exact"}, Data: []byte("exact")})
			e.publish(t, ssehub.Message{Topics: []string{"https://example.com/books/9", "/exact"}, EventID: "twice", Data: []byte("once")})
			e.publish(t, ssehub.Message{Topics: []string{"https://example.com/books/2"}, Ephemeral: true, Data: []byte("ephemeral")})

			ev := s.Next(t)
			if ev.ID != "urn:uuid:b1" || ev.Data != "b1" {
				t.Fatalf("first event %+v, want b1 with id urn:uuid:b1", ev)
			}
			if ev := s.Next(t); ev.ID != seq.ID || ev.Data != "exact" || seq.ID == "" {
				t.Fatalf("second event %+v, want exact with id %q (its sequence number)", ev, seq.ID)
			}
			s.Expect(t, "once", "ephemeral")
			s.ExpectNone(t, 50*time.Millisecond)
		})
	}
}

// The retry field reaches the client with its event (read by a
// spec-following reader).
func TestRetryField(t *testing.T) {
	e := start(t, ssehub.Config{Retry: -1}, modes[0])
	resp := e.request(t, "id=a&topic=t")
	defer resp.Body.Close()
	e.publish(t, ssehub.Message{Topics: []string{"t"}, Retry: 1234 * time.Millisecond, Data: []byte("x")})
	r := sse.NewReader(resp.Body)
	if ev, err := r.Next(); err != nil || ev.Data != "x" {
		t.Fatalf("Next: %+v, %v", ev, err)
	}
	if ms, ok := r.Retry(); !ok || ms != 1234 {
		t.Fatalf("retry %d ms (%v), want 1234", ms, ok)
	}
}

// A private event reaches only the streams allowed one of its topics: a
// Mercure stream by its private selectors, never an open /sse stream
// (whose Private is empty), whatever else targets it.
func TestPrivateEventsReachOnlyAllowedStreams(t *testing.T) {
	e := startMercure(t, ssehub.Config{Heartbeat: -1}, modes[0])
	allowed := e.subscribe(t, "topic=*&private="+books)
	public := e.subscribe(t, "topic=*")
	plain := e.open(t, "id=alice&topic=https://example.com/books/1")
	e.publish(t, ssehub.Message{Topics: []string{"https://example.com/books/1"}, Clients: []string{"alice"}, Broadcast: true, Private: true, Data: []byte("private")})
	e.publish(t, ssehub.Message{Topics: []string{"https://example.com/books/1"}, Data: []byte("public")})
	allowed.Expect(t, "private", "public")
	public.Expect(t, "public")
	plain.Expect(t, "public")
}

// A Mercure stream's Last-Event-ID response header names the newest event
// when it opened: its EventID, or its sequence number, or "earliest" on
// an empty log; and the stream delivers everything after it.
func TestMercureLastEventIDHeader(t *testing.T) {
	e := startMercure(t, ssehub.Config{Heartbeat: -1}, modes[0])
	header := func() string {
		resp := ssetest.Get(t, e.client, e.srv.URL+"/mercure?topic=*", nil)
		resp.Body.Close()
		return resp.Header.Get("Last-Event-ID")
	}
	if h := header(); h != "earliest" {
		t.Fatalf("on an empty log: %q, want earliest", h)
	}
	e.publish(t, ssehub.Message{Topics: []string{"/a"}, EventID: "urn:uuid:1", Data: []byte("1")})
	if h := header(); h != "urn:uuid:1" {
		t.Fatalf("after an event with an id: %q, want urn:uuid:1", h)
	}
	r := e.publish(t, ssehub.Message{Topics: []string{"/b"}, Data: []byte("2")})
	if h := header(); h != r.ID {
		t.Fatalf("after an event without an id: %q, want %q", h, r.ID)
	}
	s := e.subscribe(t, "topic=/c")
	if h := s.Resp.Header.Get("Last-Event-ID"); h != r.ID {
		t.Fatalf("stream's header %q, want %q", h, r.ID)
	}
	e.publish(t, ssehub.Message{Topics: []string{"/c"}, EventID: "after", Data: []byte("3")})
	expectIDs(t, s, "after")
}

// A Mercure stream resumes as the Mercure hub resumes one: after a known
// id exactly (the publisher's, a small number included, or a sequence
// number; a publisher's id never has the form of a sequence number, see
// TestPublishNumericIDRefused in package mercure); with "earliest" from
// the oldest retained event; with an unknown or trimmed id with nothing,
// and no reset event. An /sse stream resumes after a publisher's id too,
// and gets its reset for an unknown one.
func TestMercureResume(t *testing.T) {
	log := ssehub.NewMemoryLog(ssehub.Retention{MaxEntries: 4})
	e := startMercure(t, ssehub.Config{Heartbeat: -1, Log: log}, modes[0])
	topic := func(i int) []string { return []string{fmt.Sprintf("https://example.com/books/%d", i)} }
	e.publish(t, ssehub.Message{Topics: topic(0), EventID: "gone", Data: []byte("gone")})
	e.publish(t, ssehub.Message{Topics: topic(1), EventID: "7", Data: []byte("e1")}) // an id like a small number: the publisher's, not a seq
	e.publish(t, ssehub.Message{Topics: []string{"/other"}, EventID: "o", Data: []byte("o")})
	r2 := e.publish(t, ssehub.Message{Topics: topic(2), Data: []byte("e2")})
	e.publish(t, ssehub.Message{Topics: topic(3), EventID: "with spaces, ünicode", Data: []byte("e3")})
	// "gone" is no longer retained: 4 entries are.
	for _, c := range []struct {
		last string
		want []string
	}{
		{"7", []string{r2.ID, "with spaces, ünicode"}},
		{"earliest", []string{"7", r2.ID, "with spaces, ünicode"}},
		{r2.ID, []string{"with spaces, ünicode"}},
		{"with spaces, ünicode", nil},
		{"gone", nil},
		{"never", nil},
		{"1", nil},
	} {
		t.Run(c.last, func(t *testing.T) {
			s := e.subscribe(t, "topic="+books, "Last-Event-ID: "+c.last)
			expectIDs(t, s, c.want...)
			// Ephemeral: the log stays as it was for the next case.
			live := fmt.Sprintf("live after %s", c.last)
			e.publish(t, ssehub.Message{Topics: topic(7), Ephemeral: true, Data: []byte(live)})
			s.Expect(t, live) // no reset before it
			s.Close()
		})
	}
	// The lastEventID query parameter a Mercure adapter copies into the
	// header works the same through ServeHTTP's lastEventId.
	plain := e.open(t, "id=a&topic=https://example.com/books/3&topic=https://example.com/books/2", "Last-Event-ID: 7")
	expectIDs(t, plain, r2.ID, "with spaces, ünicode")
	reset := e.open(t, "id=a&topic=https://example.com/books/3", "Last-Event-ID: gone")
	if ev := reset.Next(t); ev.Type != ssehub.ResetEventType {
		t.Fatalf("an /sse stream resuming after a trimmed id got %+v, want a reset", ev)
	}
}

// A hub counts Mercure streams under the protocol "mercure", whatever
// their HTTP version, and not under the others.
func TestMercureStreamsCounted(t *testing.T) {
	e := startMercure(t, ssehub.Config{}, modes[0])
	s := e.subscribe(t, "topic=*")
	plain := e.open(t, "id=a")
	m := e.hub.Metrics()
	if m.Streams["mercure"] != 1 || m.Streams["http1_takeover"] != 1 || m.Opened["mercure"] != 1 {
		t.Fatalf("Streams %v, Opened %v: want one mercure stream and one http1_takeover", m.Streams, m.Opened)
	}
	s.Close()
	plain.Close()
	ssetest.Eventually(t, "both closed", func() bool { return e.hub.Metrics().Streams["mercure"] == 0 })
}

// A subscription with a selector that is not one, or too long, is refused
// with 400 and a JSON error, before anything opens.
func TestInvalidSelectorsRefused(t *testing.T) {
	e := startMercure(t, ssehub.Config{}, modes[0])
	for _, q := range []string{
		"topic=https://example.com/{broken",
		"topic=*&private=https://example.com/{broken",
		"topic=bad*topic",
		"topic=/x/{" + strings.Repeat("a", 300) + "}",
	} {
		resp, err := e.client.Get(e.srv.URL + "/mercure?" + q)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error string }
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || err != nil || body.Error == "" {
			t.Errorf("%s: %d %+v %v, want 400 with an error", q, resp.StatusCode, body, err)
		}
	}
}

// Message.Validate holds EventID, Private and Retry to their rules.
func TestValidateMercureFields(t *testing.T) {
	topics := []string{"t"}
	for _, c := range []struct {
		m  ssehub.Message
		ok bool
	}{
		{ssehub.Message{Topics: topics, EventID: "urn:uuid:5d6f, with spaces and ünicode"}, true},
		{ssehub.Message{Topics: topics, EventID: "a\nb"}, false},
		{ssehub.Message{Topics: topics, EventID: "a\rb"}, false},
		{ssehub.Message{Topics: topics, EventID: "a\x00b"}, false},
		{ssehub.Message{Topics: topics, EventID: string(make([]byte, 0, 1)) + "\xff"}, false},
		{ssehub.Message{Topics: topics, EventID: string(make([]rune, ssehub.MaxNameLen+1))}, false},
		{ssehub.Message{Topics: topics, EventID: "earliest"}, false},
		{ssehub.Message{Topics: topics, EventID: "42"}, true}, // a database row's id
		{ssehub.Message{Topics: topics, EventID: "999999999999999"}, true},
		{ssehub.Message{Topics: topics, EventID: "1000000000000000"}, false}, // the form of the hub's own ids
		{ssehub.Message{Topics: topics, EventID: "01765000000000000"}, false},
		{ssehub.Message{Topics: topics, EventID: "18446744073709551615"}, false},
		{ssehub.Message{Topics: topics, EventID: "-42"}, true},
		{ssehub.Message{Topics: topics, EventID: "42a"}, true},
		{ssehub.Message{Topics: topics, EventID: "x", Ephemeral: true}, false},
		{ssehub.Message{Topics: topics, Private: true}, true},
		{ssehub.Message{Clients: []string{"a"}, Private: true}, false},
		{ssehub.Message{Broadcast: true, Private: true}, false},
		{ssehub.Message{Topics: topics, Retry: time.Second}, true},
		{ssehub.Message{Topics: topics, Retry: -time.Millisecond}, false},
		{ssehub.Message{Topics: topics, Retry: 1500 * time.Microsecond}, false},
	} {
		err := c.m.Validate()
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ssehub.ErrInvalid)) {
			t.Errorf("Validate(%+v) = %v, want ok: %v", c.m, err, c.ok)
		}
	}
	e := start(t, ssehub.Config{}, modes[0])
	if _, err := e.hub.Publish(context.Background(), ssehub.Message{Topics: topics, EventID: "a\nb"}); !errors.Is(err, ssehub.ErrInvalid) {
		t.Fatalf("Publish with a bad EventID: %v, want ErrInvalid", err)
	}
}

// ValidateSelector: "*", templates that parse, exact topics by
// ValidateTopic's rules.
func TestValidateSelector(t *testing.T) {
	for sel, ok := range map[string]bool{
		"*": true, "room": true, "https://example.com/books/{id}": true, "/a/{+rest}{?q}": true,
		"": false, "a*": false, "https://example.com/{broken": false, "/x/{id}\n": false,
	} {
		if err := ssehub.ValidateSelector(sel); (err == nil) != ok {
			t.Errorf("ValidateSelector(%q) = %v, want ok: %v", sel, err, ok)
		}
	}
}

// A Mercure subscription lost history when an entry it would have received
// was dropped: by exact selectors, only those of its topics; by a template
// or "*", any dropped entry counts. Broadcasts and events to its client id,
// which it never receives, never count.
func TestMercureSubscriptionLostHistory(t *testing.T) {
	log := ssehub.NewMemoryLog(ssehub.Retention{MaxEntries: 2})
	ctx := context.Background()
	appendTo := func(m ssehub.Message) uint64 {
		e, err := log.Append(ctx, &m, 0)
		if err != nil {
			t.Fatal(err)
		}
		return e.Seq
	}
	first := appendTo(ssehub.Message{Broadcast: true, Data: []byte("b")})
	appendTo(ssehub.Message{Clients: []string{"c"}, Data: []byte("c")})
	appendTo(ssehub.Message{Topics: []string{"/x"}, Data: []byte("x")})
	appendTo(ssehub.Message{Topics: []string{"/y"}, Data: []byte("y")})
	appendTo(ssehub.Message{Topics: []string{"/z"}, Data: []byte("z")}) // retained: /y, /z
	for _, c := range []struct {
		selectors []string
		lost      bool
	}{
		{[]string{"/y"}, false},
		{[]string{"/q"}, false},
		{[]string{"/x"}, true},
		{[]string{"/q", "/{p}"}, true},
		{[]string{"*"}, true},
	} {
		sub := &ssehub.Subscription{Client: "c", Selectors: c.selectors}
		_, err := log.ReadAfter(ctx, first-1, sub, func(*ssehub.Entry) error { return nil })
		if lost := errors.Is(err, ssehub.ErrNotRetained); lost != c.lost || (err != nil && !lost) {
			t.Errorf("selectors %q: ReadAfter: %v, want lost: %v", c.selectors, err, c.lost)
		}
	}
}

// Streams opening while events are published each get every event after
// the one their Last-Event-ID header names, in order, none twice: the
// header is the stream's exact position.
func TestMercureHeaderIsTheStreamsPosition(t *testing.T) {
	for _, m := range []mode{modes[0], modes[2]} {
		t.Run(m.name, func(t *testing.T) {
			e := startMercure(t, ssehub.Config{Heartbeat: -1}, m)
			const total = 300
			done := make(chan struct{})
			go func() {
				defer close(done)
				for i := range total {
					if _, err := e.hub.Publish(context.Background(), ssehub.Message{Topics: []string{"/t/x"}, EventID: fmt.Sprint("e", i), Data: []byte(fmt.Sprint(i))}); err != nil {
						t.Errorf("publish %d: %v", i, err)
						return
					}
					if i%10 == 0 {
						time.Sleep(time.Millisecond)
					}
				}
			}()
			var streams []*ssetest.Stream
			for range 15 {
				streams = append(streams, e.subscribe(t, "topic=/t/{id}"))
				time.Sleep(2 * time.Millisecond)
			}
			<-done
			for _, s := range streams {
				next := 0
				if h := s.Resp.Header.Get("Last-Event-ID"); h != "earliest" {
					if _, err := fmt.Sscanf(h, "e%d", &next); err != nil {
						t.Fatalf("Last-Event-ID header %q", h)
					}
					next++
				}
				for i := next; i < total; i++ {
					if ev := s.Next(t); ev.ID != fmt.Sprint("e", i) {
						t.Fatalf("header %q: got %+v, want event e%d", s.Resp.Header.Get("Last-Event-ID"), ev, i)
					}
				}
				s.ExpectNone(t, 10*time.Millisecond)
			}
		})
	}
}
