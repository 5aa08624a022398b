package mercure

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/ssehub/ssehub"
)

// eventsTimeout bounds the publish of one batch of subscription events:
// a store that does not answer must not hold them forever.
const eventsTimeout = 5 * time.Second

// maxQueuedEvents bounds the subscription events waiting to be published
// (about 1 KiB each): past it, while the store is slow or unreachable,
// new ones are dropped.
const maxQueuedEvents = 100_000

// watcher returns the ssehub.Subscription.Watch of a Mercure subscriber's
// stream: with Config.Subscriptions, it queues the stream's subscription
// events when the stream is live and when it has ended; without, nil.
func (m *Handler) watcher(subscriber string, selectors []string, payload json.RawMessage) func(live bool) {
	if !m.cfg.Subscriptions {
		return nil
	}
	return func(live bool) { m.events.add(m.hub, subscriptionEvents(subscriber, selectors, payload, live)) }
}

// subscriptionEvents returns, as the Mercure hub publishes them, one
// private update per selector of the subscriber's, on the subscription's
// URL (SubscriptionsPath/{topic}/{subscriber}), its data the subscription
// in JSON-LD with active true (the subscriber arrived) or false (it left).
// A selector whose event topic would be longer than ssehub.MaxNameLen
// gets none (ssehub topics are bounded; the subscriptions API still lists
// it).
func subscriptionEvents(subscriber string, selectors []string, payload json.RawMessage, live bool) []ssehub.Message {
	var msgs []ssehub.Message
	for _, s := range subscriptionsOf(subscriber, selectors, payload, "", live) {
		if len(s.ID) > ssehub.MaxNameLen {
			continue
		}
		s.Context = jsonldContext
		data, _ := json.MarshalIndent(s, "", "  ") // always marshals
		msgs = append(msgs, ssehub.Message{Topics: []string{s.ID}, Private: true, Data: data, EventID: newURN()})
	}
	return msgs
}

// eventQueue publishes subscription events in the order they were queued,
// in batches (one append for all that waited: a reconnect storm of a
// thousand subscribers costs a few appends, not two thousand), from a
// goroutine that runs only while the queue is not empty. Queued, not
// published by the stream's goroutine: the stream is live at once, and a
// departure is queued from wherever the stream ended. One queue keeps a
// subscriber's departure after its arrival. A failed publish (the hub is
// shutting down, its store is unreachable) loses its events, as it would
// on the Mercure hub: they are a hint, the API the truth.
type eventQueue struct {
	mu      sync.Mutex
	pending []ssehub.Message
	running bool // a drain goroutine owns the publishing
}

// add queues msgs, and starts the drain if none runs.
func (q *eventQueue) add(hub *ssehub.Hub, msgs []ssehub.Message) {
	q.mu.Lock()
	if len(q.pending)+len(msgs) > maxQueuedEvents {
		q.mu.Unlock()
		return
	}
	q.pending = append(q.pending, msgs...)
	if q.running || len(q.pending) == 0 {
		q.mu.Unlock()
		return
	}
	q.running = true
	q.mu.Unlock()
	go q.drain(hub)
}

// drain publishes what is queued, a batch at a time, until nothing is.
func (q *eventQueue) drain(hub *ssehub.Hub) {
	for {
		q.mu.Lock()
		n := min(len(q.pending), ssehub.MaxBatch)
		if n == 0 {
			q.running, q.pending = false, nil
			q.mu.Unlock()
			return
		}
		batch := q.pending[:n:n]
		q.pending = q.pending[n:]
		q.mu.Unlock()
		publishEvents(hub, batch)
	}
}

// publishEvents publishes a batch of subscription events, and one by one
// if the hub refuses the batch as invalid (its Limits may be tighter than
// ssehub's own): one subscriber's event does not cost the others theirs.
func publishEvents(hub *ssehub.Hub, batch []ssehub.Message) {
	ctx, cancel := context.WithTimeout(context.Background(), eventsTimeout)
	defer cancel()
	if _, err := hub.PublishBatch(ctx, batch); !errors.Is(err, ssehub.ErrInvalid) || len(batch) == 1 {
		return
	}
	for _, m := range batch {
		hub.Publish(ctx, m)
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
