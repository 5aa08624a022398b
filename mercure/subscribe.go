package mercure

import (
	"net/http"
	"net/url"

	"github.com/ssehub/ssehub"
)

// maxSelectors bounds the topic selectors of one subscription, as the
// Mercure hub does (the hub's own Limits may bound them further).
const maxSelectors = 1000

// subscribe serves GET Path: one subscriber's event stream. The token
// comes first (401), then the selectors (400), as in the Mercure hub; the
// stream itself, with its history and its limits, is Hub.ServeStream's.
func (m *Handler) subscribe(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		// A query that does not parse must not subscribe to less than asked.
		http.Error(w, "malformed query", http.StatusBadRequest)
		return
	}
	c, ok := m.subscriber(r)
	if !ok {
		unauthorized(w)
		return
	}
	topics := q["topic"]
	switch {
	case len(topics) == 0:
		http.Error(w, `Missing "topic" parameter.`, http.StatusBadRequest)
		return
	case len(topics) > maxSelectors:
		http.Error(w, `Too many "topic" parameters.`, http.StatusBadRequest)
		return
	}
	sub := ssehub.Subscription{Client: newURN(), Selectors: topics}
	if c != nil {
		sub.Private = c.Mercure.Subscribe
		if c.ExpiresAt != nil {
			sub.Expires = c.ExpiresAt.Time
		}
		sub.Payload = payloadOf(c)
	}
	sub.Watch = m.watcher(sub.Client, topics, sub.Payload)
	if id := q.Get("lastEventID"); id != "" && r.Header.Get("Last-Event-ID") == "" {
		r.Header.Set("Last-Event-ID", id)
	}
	m.hub.ServeStream(w, r, sub)
}

// subscriber returns the claims of r's subscriber token (nil without one)
// and whether r may subscribe: with a token that is valid, or without one
// on an anonymous hub. A hub without a subscriber key reads no token, as
// the Mercure hub: every subscriber is anonymous there.
func (m *Handler) subscriber(r *http.Request) (*claims, bool) {
	if m.cfg.Subscriber == nil {
		return nil, m.cfg.Anonymous
	}
	c, err := authorize(r, m.cfg.Subscriber, nil)
	if err != nil || (c == nil && !m.cfg.Anonymous) {
		return nil, false
	}
	return c, true
}
