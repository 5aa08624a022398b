package main

import (
	"net/url"
	"path/filepath"
	"testing"
)

// The npm eventsource client as a Mercure subscriber on the real binary
// with the durable store: a URI-template selector and a token in the
// query (private updates too), publisher-chosen and generated ids, typed
// updates; after a kill -9 and a restart on the same address and bolt
// file, it reconnects by itself with Last-Event-ID (a Mercure id) and gets
// exactly the updates published meanwhile.
func TestMercureNodeEventSource(t *testing.T) {
	node := nodeClient(t)
	store := "bolt:" + filepath.Join(t.TempDir(), "events.db")
	addr := freeAddr(t)
	args := []string{"-mercure", "-mercure-publisher-jwt-key", mercurePubKey, "-mercure-subscriber-jwt-key", mercureSubKey,
		"-store", store, "-retry", "200ms"}
	hub := startTimedHub(t, addr, args...)
	tok := mercureToken(t, mercureSubKey, nil, []string{"https://example.com/books/{id}"})
	u := hub.url + "/.well-known/mercure?" + selectors("https://example.com/books/{id}") + "&authorization=" + url.QueryEscape(tok)
	c := startNodeClient(t, node, u, "update")
	c.next(t, "connect")
	c.next(t, "open")

	var want []nodeLine
	publish := func(typ, data string, kv ...string) {
		t.Helper()
		id := hub.mercurePublish(t, append([]string{"data", data}, kv...)...)
		if typ == "" {
			typ = "message"
		}
		want = append(want, nodeLine{Kind: "event", Type: typ, ID: id, Data: data})
	}
	publish("", "chosen id", "topic", "https://example.com/books/1", "id", "https://example.com/events/1")
	publish("update", "typed, generated id", "topic", "https://example.com/books/2", "type", "update")
	publish("", "private", "topic", "https://example.com/books/3", "private", "on")
	hub.mercurePublish(t, "topic", "https://example.com/authors/1", "data", "not selected")
	publish("", "two\nlines", "topic", "https://example.com/books/1")
	c.expectEvents(t, "the updates before the restart", want)
	last := want[len(want)-1].ID

	hub.cmd.Process.Kill()
	<-hub.exited
	c.waitFor(t, "the client to see the hub gone", func(l nodeLine) bool { return l.Kind == "error" && l.ReadyState == 0 })
	hub = startTimedHub(t, addr, args...)
	want = want[:0]
	publish("", "while away, chosen", "topic", "https://example.com/books/4", "id", "book-4")
	publish("update", "while away, generated", "topic", "https://example.com/books/5", "type", "update")
	resumed := c.waitFor(t, "a reconnection", func(l nodeLine) bool { return l.Kind == "connect" && l.LastEventID != "" })
	if resumed.LastEventID != last {
		t.Errorf("the client reconnected with Last-Event-ID %q, want %q", resumed.LastEventID, last)
	}
	c.expectEvents(t, "the updates published while it was away", want)
	c.stop(t)
}
