package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/client"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/sse"
)

// A backend publishes to a hub it reaches over HTTP. Here the hub runs in
// the example; in a real program it is another process (go run
// ./cmd/ssehub), and New takes its URL.
func Example() {
	const key = "a-publish-key-0123456789" // the hub's -publish-key
	hub := ssehub.New(ssehub.Config{})
	srv := httptest.NewServer(httpapi.New(hub, httpapi.Config{PublishKeys: []string{key}}))
	defer srv.Close()
	defer hub.Shutdown(context.Background())
	stream, err := http.Get(srv.URL + "/sse?id=alice") // alice's browser: new EventSource(...)
	if err != nil {
		panic(err)
	}
	defer stream.Body.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.New(srv.URL, client.Options{PublishKey: key})
	if err != nil {
		panic(err)
	}
	for { // presence: wait until alice's stream is open
		if _, err := c.Client(ctx, "alice"); !errors.Is(err, client.ErrNotFound) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	r, err := c.Publish(ctx, client.Message{Clients: []string{"alice"}, Type: "chat", Data: []byte(`{"text": "hi"}`)})
	if err != nil {
		panic(err) // an *client.Error: errors.Is(err, client.ErrUnauthorized), ...
	}
	fmt.Println("queued for", r.Connections, "stream")

	ev, _ := sse.NewReader(stream.Body).Next()
	fmt.Printf("alice got %s: %s (id %v)\n", ev.Type, ev.Data, ev.ID == r.ID)
	// Output:
	// queued for 1 stream
	// alice got chat: {"text": "hi"} (id true)
}

// A publish that must survive a restart of the publisher keeps its key
// with the work: after a crash it is sent again with the same key, and
// the hub answers the first ids instead of publishing twice.
func ExampleClient_PublishOnce() {
	hub := ssehub.New(ssehub.Config{})
	srv := httptest.NewServer(httpapi.New(hub, httpapi.Config{}))
	defer srv.Close()
	defer hub.Shutdown(context.Background())
	c, _ := client.New(srv.URL, client.Options{})

	key := client.NewKey() // stored with the job, before publishing
	msgs := []client.Message{{Clients: []string{"alice"}, Type: "invoice", Data: []byte(`{"id": 17}`)}}
	first, _ := c.PublishOnce(context.Background(), key, msgs)
	again, _ := c.PublishOnce(context.Background(), key, msgs) // after a restart, say
	fmt.Println(again[0].ID == first[0].ID, again[0].Repeated)
	// Output: true true
}
