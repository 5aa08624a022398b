package ssehub_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/ssehub/ssehub"
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
