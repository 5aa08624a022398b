package mercure

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
)

// A subscription's URL escapes its topic and subscriber as the Mercure hub
// does (query escaping: "/" and ":" escaped, a space as "+"), and the API
// reads them back from its path, each one segment.
func TestSubscriptionURLRoundTrip(t *testing.T) {
	for _, c := range []struct{ topic, subscriber, want string }{
		{"https://example.com/books/{id}", "urn:uuid:1", "/.well-known/mercure/subscriptions/https%3A%2F%2Fexample.com%2Fbooks%2F%7Bid%7D/urn%3Auuid%3A1"},
		{"a b+c", "s", "/.well-known/mercure/subscriptions/a+b%2Bc/s"},
		{"*", "urn:uuid:2", "/.well-known/mercure/subscriptions/%2A/urn%3Auuid%3A2"},
	} {
		id := subscriptionID(c.topic, c.subscriber)
		if id != c.want {
			t.Errorf("subscriptionID(%q, %q) = %q, want %q", c.topic, c.subscriber, id, c.want)
		}
		topic, subscriber, ok := subscriptionsVars(httptest.NewRequest("GET", id, nil))
		if !ok || topic != c.topic || subscriber != c.subscriber {
			t.Errorf("%s read back as %q, %q, %v", id, topic, subscriber, ok)
		}
	}
}

// The API's paths: the list, a topic's list, one subscription; an empty
// topic is refused.
func TestSubscriptionsVars(t *testing.T) {
	for _, c := range []struct {
		path              string
		topic, subscriber string
		ok                bool
	}{
		{"/.well-known/mercure/subscriptions", "", "", true},
		{"/.well-known/mercure/subscriptions/t", "t", "", true},
		{"/.well-known/mercure/subscriptions/t/s", "t", "s", true},
		{"/.well-known/mercure/subscriptions//s", "", "", false},
	} {
		topic, subscriber, ok := subscriptionsVars(httptest.NewRequest("GET", c.path, nil))
		if ok != c.ok || (ok && (topic != c.topic || subscriber != c.subscriber)) {
			t.Errorf("%s: %q, %q, %v; want %q, %q, %v", c.path, topic, subscriber, ok, c.topic, c.subscriber, c.ok)
		}
	}
}

// A batch of subscription events the hub refuses (a topic over its own
// MaxNameLen) is published one by one: the others are not lost with it.
func TestPublishEventsOneByOneWhenInvalid(t *testing.T) {
	hub := ssehub.New(ssehub.Config{Heartbeat: -1, Limits: ssehub.Limits{MaxNameLen: 100}})
	defer hub.Shutdown(t.Context())
	long := subscriptionEvents("urn:uuid:1", []string{"https://example.com/" + strings.Repeat("x", 80)}, nil, true)
	short := subscriptionEvents("urn:uuid:2", []string{"a"}, nil, true)
	publishEvents(hub, append(long, short...))
	if id, ok, err := hub.LastEventID(t.Context()); !ok || err != nil || id != short[0].EventID {
		t.Fatalf("newest event %q (%v, %v), want the valid one, %q", id, ok, err, short[0].EventID)
	}
}
