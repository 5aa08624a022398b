package mercure

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/selector"
)

// subscriptions serves the active subscriptions API, as the Mercure hub's
// 0.x releases do: GET SubscriptionsPath lists every active subscription,
// SubscriptionsPath/{topic} those to one selector, and
// SubscriptionsPath/{topic}/{subscriber} answers one (404 if it is not
// active). The lists are cluster-wide (Hub.ClientPage, Hub.Streams). A hub
// with a subscriber key answers only a subscriber whose token's
// mercure.subscribe claim covers the URL asked (401 otherwise).
func (m *Handler) subscriptions(w http.ResponseWriter, r *http.Request) {
	topic, subscriber, ok := subscriptionsVars(r)
	if !ok {
		http.Error(w, "invalid subscriptions URL", http.StatusBadRequest)
		return
	}
	if !m.mayList(r) {
		unauthorized(w)
		return
	}
	ctx := r.Context()
	// The id first, the list after: a subscriber that resumes from it
	// misses no event of a change the list does not show.
	last, ok, err := m.hub.LastEventID(ctx)
	if !ok {
		last = ssehub.Earliest
	}
	if err == nil && r.Header.Get("If-None-Match") == last {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	var subs []subscription
	if err == nil {
		subs, err = m.activeSubscriptions(ctx, topic, subscriber)
	}
	if err != nil {
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	var doc any
	if subscriber != "" {
		if len(subs) == 0 {
			http.Error(w, http.StatusText(http.StatusNotFound), http.StatusNotFound)
			return
		}
		one := subs[0]
		one.Context, one.LastEventID = jsonldContext, last
		doc = one
	} else {
		if subs == nil {
			subs = []subscription{}
		}
		doc = subscriptionCollection{Context: jsonldContext, ID: r.URL.RequestURI(), Type: "Subscriptions", LastEventID: last, Subscriptions: subs}
	}
	body, _ := json.MarshalIndent(doc, "", "  ") // always marshals
	w.Header().Set("Content-Type", jsonldType)
	w.Header().Set("ETag", last)
	w.Write(body)
}

// subscriptionsVars returns the API URL's topic and subscriber ("" for
// those it does not name), query-unescaped as the Mercure hub reads them
// ("+" is a space), from the escaped path: an escaped "/" stays in its
// segment.
func subscriptionsVars(r *http.Request) (topic, subscriber string, ok bool) {
	rest, _ := strings.CutPrefix(r.URL.EscapedPath(), SubscriptionsPath)
	rest = strings.TrimPrefix(rest, "/")
	if rest == "" {
		return "", "", true
	}
	t, s, _ := strings.Cut(rest, "/")
	var err1, err2 error
	topic, err1 = url.QueryUnescape(t)
	subscriber, err2 = url.QueryUnescape(s)
	return topic, subscriber, err1 == nil && err2 == nil && topic != ""
}

// mayList reports whether r may read the subscriptions API: on a hub with
// a subscriber key, with a valid token whose mercure.subscribe claim has a
// selector matching the URL asked (its path and query), as in the Mercure
// hub; on a hub without one, always (every subscriber is anonymous there).
func (m *Handler) mayList(r *http.Request) bool {
	if m.cfg.Subscriber == nil {
		return true
	}
	c, err := authorize(r, m.cfg.Subscriber, nil)
	if err != nil || c == nil {
		return false
	}
	return selector.MatchAny(c.Mercure.Subscribe, []string{r.URL.RequestURI()})
}

// pageSize is how many clients one page of Hub.ClientPage asks for.
const pageSize = 1000

// activeSubscriptions returns the active subscriptions on every node: to
// topic only when it is not empty, of subscriber only when it is not
// empty. Mercure subscribers are the clients whose ids start with
// "urn:uuid:" and whose streams have selectors; they sort together, so
// the clients listed are those alone.
func (m *Handler) activeSubscriptions(ctx context.Context, topic, subscriber string) ([]subscription, error) {
	if subscriber != "" {
		return m.subscriptionsOfClient(ctx, subscriber, topic, nil)
	}
	var subs []subscription
	after := urnPrefix
	for {
		page, more, err := m.hub.ClientPage(ctx, after, pageSize)
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			if !strings.HasPrefix(c.ID, urnPrefix) {
				return subs, nil
			}
			if subs, err = m.subscriptionsOfClient(ctx, c.ID, topic, subs); err != nil {
				return nil, err
			}
		}
		if !more || len(page) == 0 {
			return subs, nil
		}
		after = page[len(page)-1].ID
	}
}

// urnPrefix begins every Mercure subscriber's id.
const urnPrefix = "urn:uuid:"

// subscriptionsOfClient appends to subs the subscriptions of client's
// Mercure streams (to topic only, when not empty).
func (m *Handler) subscriptionsOfClient(ctx context.Context, client, topic string, subs []subscription) ([]subscription, error) {
	streams, err := m.hub.Streams(ctx, client)
	if err != nil {
		return nil, err
	}
	for _, s := range streams {
		subs = append(subs, subscriptionsOf(client, s.Selectors, s.Payload, topic, true)...)
	}
	return subs, nil
}
