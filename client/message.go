package client

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Message is one event to publish: the JSON body of POST /publish, with
// the fields of the hub's own ssehub.Message, so that code moves between
// an embedded hub and a remote one by changing an import. At least one of
// Clients, Topics and Broadcast is required.
type Message struct {
	// Clients receive the event on every stream of theirs.
	Clients []string
	// Topics: every stream subscribed to one of them receives it.
	Topics []string
	// Broadcast sends it to every stream.
	Broadcast bool
	// Ephemeral makes it live only: delivered to the streams open now,
	// never recorded, with no id (its Receipt.ID is empty).
	Ephemeral bool
	// Type is the SSE event type (a browser's addEventListener name; the
	// JSON's "event"); empty is the default "message" (onmessage).
	Type string
	// Data is the event's data, delivered as is (line breaks included).
	// It must be UTF-8, as an event stream is. For a JSON value, give its
	// encoding: json.Marshal(v).
	Data []byte
}

// wireMessage is Message as POST /publish takes it.
type wireMessage struct {
	Clients   []string `json:"clients,omitempty"`
	Topics    []string `json:"topics,omitempty"`
	Broadcast bool     `json:"broadcast,omitempty"`
	Ephemeral bool     `json:"ephemeral,omitempty"`
	Event     string   `json:"event,omitempty"`
	Data      string   `json:"data,omitempty"` // a JSON string: the hub sends its text as is
}

func (m Message) wire() wireMessage {
	return wireMessage{
		Clients: m.Clients, Topics: m.Topics, Broadcast: m.Broadcast,
		Ephemeral: m.Ephemeral, Event: m.Type, Data: string(m.Data),
	}
}

// encodeBatch encodes msgs as a JSON array, refusing data that is not
// UTF-8 (a JSON string would silently replace the bad bytes).
func encodeBatch(msgs []Message) ([]byte, error) {
	w := make([]wireMessage, len(msgs))
	for i, m := range msgs {
		if !utf8.Valid(m.Data) {
			return nil, fmt.Errorf("%w: message %d: data is not valid UTF-8", ErrInvalid, i)
		}
		w[i] = m.wire()
	}
	return json.Marshal(w)
}

func encodeOne(m Message) ([]byte, error) {
	if !utf8.Valid(m.Data) {
		return nil, fmt.Errorf("%w: data is not valid UTF-8", ErrInvalid)
	}
	return json.Marshal(m.wire())
}

// Receipt is the hub's answer to one published event.
type Receipt struct {
	// ID is the event's id, the one its streams see (empty for an
	// ephemeral event).
	ID string `json:"id"`
	// Connections counts the streams on the hub that answered it was
	// queued for (in a cluster, the other nodes' streams are not counted;
	// zero for a Repeated receipt).
	Connections int `json:"connections"`
	// Repeated says that this publish had been made before under the same
	// idempotency key: nothing new was published, and ID is the first
	// one's. A retry after a lost answer gets this.
	Repeated bool `json:"repeated"`
}
