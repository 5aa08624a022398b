package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/client"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// The example serves on a random port: its page, a stream at /events, the
// API under /hub/ behind its key; when its context ends it ends the stream
// cleanly and returns, and its bolt file reopens with the event.
func TestEmbed(t *testing.T) {
	const key = "a-publish-key-0123456789"
	db := filepath.Join(t.TempDir(), "events.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, config{addr: "127.0.0.1:0", db: db, publishKey: key,
			logger: slog.New(slog.DiscardHandler), ready: func(a net.Addr) { addrs <- a }})
	}()
	var base string
	select {
	case a := <-addrs:
		base = "http://" + a.String()
	case err := <-done:
		t.Fatalf("run returned before serving: %v", err)
	case <-time.After(ssetest.Wait):
		t.Fatalf("not serving within %v", ssetest.Wait)
	}
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	defer hc.CloseIdleConnections()

	page := ssetest.Get(t, hc, base+"/", nil)
	if b, _ := io.ReadAll(page.Body); len(b) == 0 {
		t.Error("the application's page is empty")
	}
	stream := ssetest.OpenRegistered(t, hc, base+"/events?id=alice", nil)
	c, err := client.New(base+"/hub", client.Options{PublishKey: key, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	pctx, pcancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer pcancel()
	r, err := c.Publish(pctx, client.Message{Clients: []string{"alice"}, Type: "chat", Data: []byte("hi")})
	if err != nil {
		t.Fatal(err)
	}
	if ev := stream.Next(t); ev.Type != "chat" || ev.Data != "hi" || ev.ID != r.ID {
		t.Errorf("alice got %+v, want chat hi with id %s", ev, r.ID)
	}

	cancel()
	if _, err := stream.Ended(t); err != io.EOF {
		t.Errorf("the stream at shutdown: %v, want a clean end", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(ssetest.Wait):
		t.Fatalf("run did not return within %v of its context ending", ssetest.Wait)
	}
	if _, err := openLogCheck(db, r.ID); err != nil {
		t.Error(err)
	}
}

// openLogCheck reopens the bolt file within ssetest.Wait (the example must
// have closed it) and requires the event with id in it.
func openLogCheck(db, id string) (bool, error) {
	type opened struct {
		ok  bool
		err error
	}
	res := make(chan opened, 1)
	go func() {
		log, err := openLog(db)
		if err != nil {
			res <- opened{false, err}
			return
		}
		defer log.Close()
		seq, _ := strconv.ParseUint(id, 10, 64)
		var found bool
		_, err = log.ReadAfter(context.Background(), seq-1, nil, func(e *ssehub.Entry) error {
			found = found || e.ID() == id
			return nil
		})
		if err == nil && !found {
			err = fmt.Errorf("event %s is not in the reopened history", id)
		}
		res <- opened{found, err}
	}()
	select {
	case r := <-res:
		return r.ok, r.err
	case <-time.After(ssetest.Wait):
		return false, fmt.Errorf("the history file could not be reopened within %v: the example did not close it", ssetest.Wait)
	}
}
