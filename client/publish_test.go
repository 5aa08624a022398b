package client_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/client"
	"github.com/ssehub/ssehub/httpapi"
)

// A publish reaches the streams it targets as it was given: type, data
// with its line breaks, and the id of its receipt; a batch has consecutive
// ids, in order; an ephemeral event has none.
func TestPublishReachesStreams(t *testing.T) {
	h := startHub(t, ssehub.Config{}, httpapi.Config{})
	alice := h.open(t, "id=alice&topic=room-1", nil)
	c := newClient(t, h.url, client.Options{})

	r, err := c.Publish(bounded(t, 5*time.Second), client.Message{Clients: []string{"alice"}, Type: "chat", Data: []byte("line 1\nline 2 <&>")})
	if err != nil {
		t.Fatal(err)
	}
	if r.ID == "" || r.Connections != 1 || r.Repeated {
		t.Errorf("receipt %+v, want an id, 1 connection, not repeated", r)
	}
	if ev := alice.Next(t); ev.Type != "chat" || ev.Data != "line 1\nline 2 <&>" || ev.ID != r.ID {
		t.Errorf("alice got %+v, want chat %q with id %s", ev, "line 1\nline 2 <&>", r.ID)
	}

	rs, err := c.PublishBatch(bounded(t, 5*time.Second), []client.Message{
		{Clients: []string{"alice"}, Data: []byte("a")},
		{Topics: []string{"room-1"}, Data: []byte(`{"n": 2}`)},
		{Clients: []string{"bob"}, Data: []byte("not for alice")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("%d receipts for 3 messages: %+v", len(rs), rs)
	}
	for i := 1; i < 3; i++ {
		if prev, _ := strconv.ParseUint(rs[i-1].ID, 10, 64); rs[i].ID != strconv.FormatUint(prev+1, 10) {
			t.Errorf("batch ids %s, %s: want consecutive", rs[i-1].ID, rs[i].ID)
		}
	}
	for i, want := range []string{"a", `{"n": 2}`} {
		if ev := alice.Next(t); ev.Data != want || ev.ID != rs[i].ID || ev.Type != "message" {
			t.Errorf("alice got %+v, want %q with id %s", ev, want, rs[i].ID)
		}
	}

	r, err = c.Publish(bounded(t, 5*time.Second), client.Message{Broadcast: true, Ephemeral: true, Type: "typing", Data: []byte("bob")})
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "" || r.Connections != 1 {
		t.Errorf("ephemeral receipt %+v, want no id and 1 connection", r)
	}
	if ev := alice.Next(t); ev.Type != "typing" || ev.Data != "bob" || ev.ID != rs[1].ID {
		t.Errorf("alice got %+v, want the ephemeral typing event, her last id still %s", ev, rs[1].ID)
	}
}

// PublishOnce with a key of the caller's publishes once: the same call
// again answers the first ids, marked repeated, and publishes nothing; the
// key with other messages is refused.
func TestPublishOnce(t *testing.T) {
	h := startHub(t, ssehub.Config{}, httpapi.Config{})
	alice := h.open(t, "id=alice", nil)
	c := newClient(t, h.url, client.Options{})
	key := client.NewKey()
	if len(key) != 32 || key == client.NewKey() {
		t.Fatalf("NewKey gave %q: want 32 hex digits, new each time", key)
	}
	msgs := []client.Message{{Clients: []string{"alice"}, Data: []byte("once")}}

	first, err := c.PublishOnce(bounded(t, 5*time.Second), key, msgs)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.PublishOnce(bounded(t, 5*time.Second), key, msgs)
	if err != nil {
		t.Fatal(err)
	}
	if first[0].Repeated || !again[0].Repeated || again[0].ID != first[0].ID {
		t.Errorf("first %+v, again %+v: want the same id, the second repeated", first, again)
	}
	_, err = c.PublishOnce(bounded(t, 5*time.Second), key, []client.Message{{Clients: []string{"alice"}, Data: []byte("other")}})
	if !errors.Is(err, client.ErrKeyReused) {
		t.Errorf("the key with other messages: %v, want ErrKeyReused", err)
	}
	if _, err := c.Publish(bounded(t, 5*time.Second), client.Message{Clients: []string{"alice"}, Data: []byte("after")}); err != nil {
		t.Fatal(err)
	}
	alice.Expect(t, "once", "after") // nothing twice, nothing of the refused call
}

// Refusals are typed errors saying what the hub said, and publish nothing.
func TestPublishErrors(t *testing.T) {
	const key = "a-publish-key-0123456789"
	h := startHub(t, ssehub.Config{}, httpapi.Config{PublishKeys: []string{key}, MaxDataBytes: 100})
	alice := h.open(t, "id=alice", nil)
	ok := client.Message{Clients: []string{"alice"}, Data: []byte("ok")}

	cases := []struct {
		name   string
		key    string
		msgs   []client.Message
		want   error
		status int
		says   string
	}{
		{"no key", "", []client.Message{ok}, client.ErrUnauthorized, 401, "publish key required"},
		{"wrong key", "not-the-key-0123456789", []client.Message{ok}, client.ErrForbidden, 403, "wrong publish key"},
		{"no target", key, []client.Message{{Data: []byte("x")}}, client.ErrInvalid, 400, "no target"},
		{"bad element", key, []client.Message{ok, {Clients: []string{""}}}, client.ErrInvalid, 400, "message 1"},
		{"data too large", key, []client.Message{{Clients: []string{"alice"}, Data: []byte(strings.Repeat("x", 101))}}, client.ErrTooLarge, 413, "at most 100"},
		{"bad type", key, []client.Message{{Clients: []string{"alice"}, Type: "a\nb"}}, client.ErrInvalid, 400, "event type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, h.url, client.Options{PublishKey: tc.key})
			start := time.Now()
			var err error
			if len(tc.msgs) == 1 {
				_, err = c.Publish(bounded(t, 5*time.Second), tc.msgs[0])
			} else {
				_, err = c.PublishBatch(bounded(t, 5*time.Second), tc.msgs)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			var he *client.Error
			if !errors.As(err, &he) || he.Status != tc.status || !strings.Contains(he.Message, tc.says) {
				t.Fatalf("error %#v, want status %d saying %q", err, tc.status, tc.says)
			}
			if strings.Contains(err.Error(), "attempts") || time.Since(start) > time.Second {
				t.Errorf("a refusal was retried: %v after %v", err, time.Since(start))
			}
			if tc.key != "" && strings.Contains(err.Error(), tc.key) {
				t.Errorf("the error shows the publish key: %v", err)
			}
		})
	}

	c := newClient(t, h.url, client.Options{PublishKey: key})
	if _, err := c.Publish(bounded(t, 5*time.Second), client.Message{Clients: []string{"alice"}, Data: []byte{0xff, 'x'}}); !errors.Is(err, client.ErrInvalid) {
		t.Errorf("data that is not UTF-8: %v, want ErrInvalid before sending", err)
	}
	if _, err := c.Publish(bounded(t, 5*time.Second), client.Message{Clients: []string{"alice"}, Data: []byte("after")}); err != nil {
		t.Fatal(err)
	}
	alice.Expect(t, "after") // none of the refused publishes reached her
}

// New refuses base URLs that cannot be a hub's, and takes one with a path
// (a hub mounted under a prefix).
func TestNewBaseURL(t *testing.T) {
	for _, bad := range []string{"", "localhost:3020", "ftp://hub", "http://", "http://hub/?x=1", "http://hub/#f"} {
		if _, err := client.New(bad, client.Options{}); err == nil {
			t.Errorf("New(%q) accepted it", bad)
		}
	}
	if _, err := client.New("http://hub", client.Options{MaxAttempts: -1}); err == nil {
		t.Error("New accepted MaxAttempts -1")
	}
}
