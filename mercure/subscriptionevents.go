package mercure

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ssehub/ssehub"
)

// eventsTimeout bounds the publish of one stream's subscription events:
// a store that does not answer must not hold a subscriber's stream.
const eventsTimeout = 5 * time.Second

// watcher returns the ssehub.Subscription.Watch of a Mercure subscriber's
// stream: with Config.Subscriptions, it publishes the stream's
// subscription events when the stream is live and when it has ended;
// without, nil.
func (m *Handler) watcher(subscriber string, selectors []string, payload json.RawMessage) func(live bool) {
	if !m.cfg.Subscriptions {
		return nil
	}
	return func(live bool) { m.publishSubscriptionEvents(subscriber, selectors, payload, live) }
}

// publishSubscriptionEvents publishes, as the Mercure hub does, one
// private update per selector of the subscriber's, on the subscription's
// URL (SubscriptionsPath/{topic}/{subscriber}), its data the subscription
// in JSON-LD with active true (the subscriber arrived) or false (it left).
// They are published together, in one append. A selector whose event
// topic would be longer than ssehub.MaxNameLen gets no event (ssehub
// topics are bounded; the subscriptions API still lists it). A failure
// (the hub is shutting down, its store is unreachable) loses the events,
// as it would on the Mercure hub: they are a hint, the API the truth.
func (m *Handler) publishSubscriptionEvents(subscriber string, selectors []string, payload json.RawMessage, live bool) {
	var msgs []ssehub.Message
	for _, s := range subscriptionsOf(subscriber, selectors, payload, "", live) {
		if len(s.ID) > ssehub.MaxNameLen {
			continue
		}
		s.Context = jsonldContext
		data, _ := json.MarshalIndent(s, "", "  ") // always marshals
		msgs = append(msgs, ssehub.Message{Topics: []string{s.ID}, Private: true, Data: data, EventID: newURN()})
	}
	ctx, cancel := context.WithTimeout(context.Background(), eventsTimeout)
	defer cancel()
	for len(msgs) > 0 {
		n := min(len(msgs), ssehub.MaxBatch)
		if _, err := m.hub.PublishBatch(ctx, msgs[:n]); err != nil {
			return
		}
		msgs = msgs[n:]
	}
}

// payloadOf returns the mercure.payload claim of a subscriber's token, as
// JSON, or nil when it has none: what the subscriptions API and the
// subscription events show of the subscriber.
func payloadOf(c *claims) json.RawMessage {
	if c.Mercure.Payload == nil {
		return nil
	}
	p, err := json.Marshal(c.Mercure.Payload)
	if err != nil {
		return nil // decoded from JSON, it marshals
	}
	return p
}
