package client_test

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/client"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/redistest"
	"github.com/ssehub/ssehub/redis"
)

// outageWait bounds the waits of the Redis outage: each attempt while
// Redis is down takes up to about 2 s to fail.
const outageWait = 20 * time.Second

// A publish during a Redis outage gets 503s and is retried, with one key,
// until Redis is back: the event is then published exactly once. The live
// stream and a stream resuming from before the outage see it once, and the
// shared log holds one entry for it.
func TestRetryThroughRedisOutage(t *testing.T) {
	rs := redistest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rdb, err := redis.Dial(ctx, rs.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	discard := slog.New(slog.DiscardHandler)
	log, err := redis.NewLog(ctx, rdb, redis.LogOptions{Prefix: "clienttest", Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() }) // after the hub's Shutdown: cleanups run last first
	h := startHub(t, ssehub.Config{Log: log, Logger: discard}, httpapi.Config{})
	alice := h.open(t, "id=alice", nil)
	c := newClient(t, h.url, client.Options{MaxAttempts: 100, MaxWait: outageWait})

	before, err := c.Publish(bounded(t, 5*time.Second), client.Message{Clients: []string{"alice"}, Data: []byte("before")})
	if err != nil {
		t.Fatal(err)
	}
	alice.Expect(t, "before")

	rs.Stop()
	type result struct {
		r   client.Receipt
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := c.Publish(bounded(t, outageWait), client.Message{Clients: []string{"alice"}, Data: []byte("during")})
		done <- result{r, err}
	}()
	deadline := time.Now().Add(outageWait)
	for h.hub.Metrics().AppendErrors < 2 { // two attempts refused: the client is retrying
		select {
		case res := <-done:
			rs.Start()
			t.Fatalf("the publish returned while Redis was down: %+v, %v", res.r, res.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub failed %d appends within %v of Redis stopping, want 2", h.hub.Metrics().AppendErrors, outageWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
	rs.Start()
	var res result
	select {
	case res = <-done:
	case <-time.After(outageWait):
		t.Fatalf("the publish did not return within %v of Redis coming back", outageWait)
	}
	if res.err != nil || res.r.ID == "" {
		t.Fatalf("the publish through the outage: %+v, %v; want it published", res.r, res.err)
	}
	after, err := c.Publish(bounded(t, 5*time.Second), client.Message{Clients: []string{"alice"}, Data: []byte("after")})
	if err != nil {
		t.Fatal(err)
	}

	for _, ev := range []struct{ data, id string }{{"during", res.r.ID}, {"after", after.ID}} {
		if got := alice.Next(t); got.Data != ev.data || got.ID != ev.id {
			t.Fatalf("the live stream got %+v, want %q with id %s (once)", got, ev.data, ev.id)
		}
	}
	resumed := h.open(t, "id=alice", http.Header{"Last-Event-ID": {before.ID}})
	resumed.Expect(t, "during", "after")

	seq, err := strconv.ParseUint(before.ID, 10, 64)
	if err != nil {
		t.Fatalf("receipt id %q is not a hub's", before.ID)
	}
	var logged []string
	if _, err := log.ReadAfter(bounded(t, 5*time.Second), seq, nil, func(e *ssehub.Entry) error {
		logged = append(logged, string(e.Data))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(logged) != 2 || logged[0] != "during" || logged[1] != "after" {
		t.Errorf("the log after %s holds %q, want during and after, once each", before.ID, logged)
	}
}
