package mercure

import (
	"encoding/json"
	"net/url"
)

// jsonldContext is the @context of the subscriptions API's documents, the
// Mercure hub's.
const jsonldContext = "https://mercure.rocks/"

// jsonldType is the content type of the subscriptions API's answers.
const jsonldType = "application/ld+json"

// A subscription is one selector of one subscriber, as the Mercure hub
// shows it: in the subscriptions API, and as the data of a subscription
// event (with its @context, and active false once it ended).
type subscription struct {
	Context     string          `json:"@context,omitempty"`
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Subscriber  string          `json:"subscriber"`
	Topic       string          `json:"topic"`
	Active      bool            `json:"active"`
	LastEventID string          `json:"lastEventID,omitempty"`
	Payload     json.RawMessage `json:"payload,omitempty"`
}

// subscriptionCollection is the subscriptions API's list.
type subscriptionCollection struct {
	Context       string         `json:"@context"`
	ID            string         `json:"id"`
	Type          string         `json:"type"`
	LastEventID   string         `json:"lastEventID"`
	Subscriptions []subscription `json:"subscriptions"`
}

// subscriptionID is the URL of subscriber's subscription to topic (a
// selector): the subscriptions API's URL for it, and the topic of its
// subscription events. Both parts are query-escaped, as the Mercure hub
// escapes them ("/" as %2F, so each stays one path segment).
func subscriptionID(topic, subscriber string) string {
	return SubscriptionsPath + "/" + url.QueryEscape(topic) + "/" + url.QueryEscape(subscriber)
}

// subscriptionsOf returns the subscriptions of one subscriber's stream,
// one per selector, or only the one for topic when topic is not empty.
func subscriptionsOf(subscriber string, selectors []string, payload json.RawMessage, topic string, active bool) []subscription {
	var subs []subscription
	for _, s := range selectors {
		if topic != "" && s != topic {
			continue
		}
		subs = append(subs, subscription{
			ID: subscriptionID(s, subscriber), Type: "Subscription",
			Subscriber: subscriber, Topic: s, Active: active, Payload: payload,
		})
	}
	return subs
}
