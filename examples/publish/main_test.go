package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// The example publishes what its flags say to a real hub, and says why
// when the hub refuses.
func TestPublish(t *testing.T) {
	const key = "a-publish-key-0123456789"
	hub := ssehub.New(ssehub.Config{Heartbeat: -1, Logger: slog.New(slog.DiscardHandler)})
	srv := ssetest.Serve(t, hub, httpapi.New(hub, httpapi.Config{PublishKeys: []string{key}}))
	stream := ssetest.OpenRegistered(t, srv.Client(), srv.URL+"/sse?id=alice&topic=room-1", nil)

	var out strings.Builder
	if err := run(context.Background(), []string{"-url", srv.URL, "-to", "alice", "-event", "chat", `{"text": "hi"}`}, key, &out); err != nil {
		t.Fatal(err)
	}
	ev := stream.Next(t)
	if ev.Type != "chat" || ev.Data != `{"text": "hi"}` || out.String() != "event "+ev.ID+" queued for 1 streams\n" {
		t.Errorf("alice got %+v and the example printed %q", ev, out.String())
	}

	out.Reset()
	if err := run(context.Background(), []string{"-url", srv.URL, "-topic", "room-1", "-ephemeral", "typing"}, key, &out); err != nil {
		t.Fatal(err)
	}
	if ev := stream.Next(t); ev.Data != "typing" || out.String() != "live-only event queued for 1 streams\n" {
		t.Errorf("alice got %+v and the example printed %q", ev, out.String())
	}

	err := run(context.Background(), []string{"-url", srv.URL, "-to", "alice", "hi"}, "", &out)
	if err == nil || !strings.Contains(err.Error(), "SSEHUB_PUBLISH_KEY") || !strings.Contains(err.Error(), "publish key required") {
		t.Errorf("without the key: %v, want the hub's reason and what to set", err)
	}
	if err := run(context.Background(), []string{"-url", srv.URL, "hi"}, key, &out); err == nil || !strings.Contains(err.Error(), "no target") {
		t.Errorf("without a target: %v, want the hub's 400", err)
	}
	stream.ExpectNone(t, 100*time.Millisecond) // nothing of the refused publishes
}
