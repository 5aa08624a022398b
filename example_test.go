package ssehub_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/sse"
)

// A hub is an http.Handler for event streams; publish to it from anywhere.
func Example() {
	hub := ssehub.New(ssehub.Config{})
	defer hub.Shutdown(context.Background())
	srv := httptest.NewServer(hub) // in your server: mux.Handle("/events", hub)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "?id=alice&topic=news") // a browser: new EventSource(url)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()

	hub.Publish(context.Background(), ssehub.Message{Clients: []string{"alice"}, Data: []byte("hi alice")})
	hub.Publish(context.Background(), ssehub.Message{Topics: []string{"news"}, Type: "news", Data: []byte("extra!")})

	events := sse.NewReader(resp.Body)
	for range 2 {
		ev, _ := events.Next()
		fmt.Printf("%s: %s\n", ev.Type, ev.Data)
	}
	// Output:
	// message: hi alice
	// news: extra!
}

// To take the client id from your own authentication rather than the query,
// hand the request to ServeStream with the subscription you decided on.
func ExampleHub_ServeStream() {
	hub := ssehub.New(ssehub.Config{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		user, _, ok := r.BasicAuth() // your authentication here
		if !ok {
			http.Error(w, "who are you?", http.StatusUnauthorized)
			return
		}
		hub.ServeStream(w, r, ssehub.Subscription{Client: user, Topics: r.URL.Query()["topic"]})
	})
	_ = http.ListenAndServe(":8080", mux)
}

// A backend notifying many users at once publishes them in one batch: all
// validated before any is published, with consecutive ids.
func ExampleHub_PublishBatch() {
	hub := ssehub.New(ssehub.Config{})
	defer hub.Shutdown(context.Background())
	receipts, err := hub.PublishBatch(context.Background(), []ssehub.Message{
		{Clients: []string{"alice"}, Type: "invoice", Data: []byte(`{"id": 17}`)},
		{Clients: []string{"bob"}, Type: "invoice", Data: []byte(`{"id": 18}`)},
	})
	fmt.Println(len(receipts), err)
	// Output: 2 <nil>
}

// A live-only event (a typing indicator, a clock) goes to the streams open
// now and is never recorded: no id, no replay, no room taken in the history.
func ExampleMessage_ephemeral() {
	hub := ssehub.New(ssehub.Config{})
	defer hub.Shutdown(context.Background())
	r, err := hub.Publish(context.Background(), ssehub.Message{
		Topics: []string{"room-1"}, Type: "typing", Data: []byte("alice"), Ephemeral: true,
	})
	fmt.Printf("id %q, %d streams, %v\n", r.ID, r.Streams, err)
	// Output: id "", 0 streams, <nil>
}

// An application mounts the hub and the HTTP API in its own mux, next to
// its own routes, and shuts down in this order: the hub first (it ends the
// streams, which the server's Shutdown would otherwise wait for: they never
// end on their own), then the server, then the Log (and a Cluster) the hub
// was using.
func Example_embedding() {
	log := ssehub.NewMemoryLog(ssehub.Retention{})
	hub := ssehub.New(ssehub.Config{Log: log})
	mux := http.NewServeMux()
	mux.Handle("GET /events", hub) // streams: ?id=<client>&topic=<t>
	mux.Handle("/hub/", http.StripPrefix("/hub", httpapi.New(hub, httpapi.Config{
		PublishKeys: []string{"a-publish-key-0123456789"},
	}))) // POST /hub/publish, GET /hub/clients, ...
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "the application's own page")
	})
	srv := httptest.NewServer(mux) // in your program: an http.Server of your own

	resp, err := http.Get(srv.URL + "/events?id=alice")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/hub/publish", strings.NewReader(`{"clients": ["alice"], "event": "chat", "data": "hi"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer a-publish-key-0123456789")
	published, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	published.Body.Close()
	fmt.Println("publish:", published.Status)

	events := sse.NewReader(resp.Body)
	ev, _ := events.Next()
	fmt.Printf("%s: %s\n", ev.Type, ev.Data)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hub.Shutdown(ctx) // 1. ends every stream, after writing what is queued
	_, err = events.Next()
	fmt.Println("stream:", err)
	srv.Close() // 2. http.Server.Shutdown(ctx) in your program
	log.Close() // 3. and a Cluster's Close, if the hub had one
	// Output:
	// publish: 200 OK
	// chat: hi
	// stream: EOF
}
