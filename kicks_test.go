package ssehub_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// issuedParam is an Authorizer for tests: the stream's credentials were
// issued at the Unix time in its "issued" parameter.
var issuedParam = authorizerFunc(func(r *http.Request, asked ssehub.Subscription) (ssehub.Subscription, error) {
	sec, err := strconv.ParseInt(r.URL.Query().Get("issued"), 10, 64)
	if err != nil {
		return asked, fmt.Errorf("%w: issued: %v", ssehub.ErrUnauthorized, err)
	}
	asked.Issued = time.Unix(sec, 0)
	return asked, nil
})

// beforeNow is an "issued" parameter of credentials a minute old.
func beforeNow() string { return strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10) }

func kick(t *testing.T, h *ssehub.Hub, clients ...string) {
	t.Helper()
	for _, c := range clients {
		if _, err := h.Kick(context.Background(), c); err != nil {
			t.Fatalf("Kick(%s): %v", c, err)
		}
	}
}

// Without an Authorizer a kick only ends streams: the hub remembers none,
// however many it makes, and the client comes back at once.
func TestKickOpenHubRemembersNothing(t *testing.T) {
	e := start(t, ssehub.Config{Heartbeat: -1}, modes[0])
	s := e.open(t, "id=alice")
	kick(t, e.hub, "alice")
	if _, err := s.Ended(t); err != io.EOF {
		t.Errorf("alice's stream ended with %v, want a clean end", err)
	}
	for i := range 2000 {
		kick(t, e.hub, fmt.Sprintf("c%d", i))
	}
	if n := e.hub.Stats().Kicks; n != 0 {
		t.Errorf("an open hub remembers %d kicks after 2001, want 0", n)
	}
	e.open(t, "id=alice") // back at once
}

// ServeStream with Subscription.Issued but no Authorizer: kicks are
// remembered only when Config.KickLimit asks for it.
func TestKickMemoryWithServeStream(t *testing.T) {
	for _, c := range []struct {
		limit int
		want  int
	}{
		{0, http.StatusOK},
		{-1, http.StatusOK},
		{10, http.StatusUnauthorized},
	} {
		t.Run(strconv.Itoa(c.limit), func(t *testing.T) {
			h := ssehub.New(ssehub.Config{Heartbeat: -1, KickLimit: c.limit, Logger: slog.New(slog.DiscardHandler)})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sec, _ := strconv.ParseInt(r.URL.Query().Get("issued"), 10, 64)
				h.ServeStream(w, r, ssehub.Subscription{Client: r.URL.Query().Get("id"), Issued: time.Unix(sec, 0)})
			}))
			ssetest.ShutdownAtEnd(t, h, srv)
			e := &env{hub: h, srv: srv, client: srv.Client()}
			kick(t, h, "alice")
			if got, _, _ := e.status(t, "id=alice&issued="+beforeNow()); got != c.want {
				t.Errorf("KickLimit %d: alice with credentials older than her kick: %d, want %d", c.limit, got, c.want)
			}
		})
	}
}

// With an Authorizer, the hub remembers at most KickLimit kicks: a new one
// makes it forget the oldest, whose client may then come back with its old
// credentials, while the newer kicks still refuse theirs.
func TestKickLimitForgetsOldestFirst(t *testing.T) {
	out := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(out, nil))
	e := start(t, ssehub.Config{Authorizer: issuedParam, QueryParams: []string{"issued"}, KickLimit: 3, Heartbeat: -1, Logger: logger}, modes[0])
	old := beforeNow()
	kick(t, e.hub, "a", "b", "c")
	if st := e.hub.Stats(); st.Kicks != 3 || st.KicksEvicted != 0 {
		t.Fatalf("after 3 kicks: %d remembered, %d evicted; want 3, 0", st.Kicks, st.KicksEvicted)
	}
	kick(t, e.hub, "d")
	if got, _, _ := e.status(t, "id=a&issued="+old); got != http.StatusOK {
		t.Errorf("a, kicked first and forgotten for d: %d, want 200", got)
	}
	for _, id := range []string{"b", "c", "d"} {
		if got, _, _ := e.status(t, "id="+id+"&issued="+old); got != http.StatusUnauthorized {
			t.Errorf("%s with credentials older than its remembered kick: %d, want 401", id, got)
		}
	}
	for i := range 50 {
		kick(t, e.hub, fmt.Sprintf("x%d", i))
		if n := e.hub.Stats().Kicks; n > 3 {
			t.Fatalf("%d kicks remembered, over the limit of 3", n)
		}
	}
	if st := e.hub.Stats(); st.Kicks != 3 || st.KicksEvicted != 51 {
		t.Errorf("after 54 kicks of distinct clients: %d remembered, %d evicted; want 3, 51", st.Kicks, st.KicksEvicted)
	}
	if n := strings.Count(out.String(), "the kick list is full"); n != 1 {
		t.Errorf("%d warnings that the kick list is full for 51 evictions within a minute, want 1:\n%s", n, out)
	}
	// A client kicked again keeps one entry, and its latest kick.
	kick(t, e.hub, "x49", "x49")
	if st := e.hub.Stats(); st.Kicks != 3 || st.KicksEvicted != 51 {
		t.Errorf("after kicking a remembered client again: %d remembered, %d evicted; want 3, 51", st.Kicks, st.KicksEvicted)
	}
}

// Kicks older than KickMemory leave on the hub's sweep, without another
// kick to make room.
func TestKicksExpireOnSweep(t *testing.T) {
	e := start(t, ssehub.Config{Authorizer: issuedParam, QueryParams: []string{"issued"}, KickMemory: 200 * time.Millisecond, Heartbeat: -1}, modes[0])
	old := beforeNow()
	kick(t, e.hub, "alice", "bob")
	if got, _, _ := e.status(t, "id=alice&issued="+old); got != http.StatusUnauthorized {
		t.Errorf("alice with credentials older than her kick, within memory: %d, want 401", got)
	}
	ssetest.Eventually(t, "the expired kicks forgotten", func() bool { return e.hub.Stats().Kicks == 0 })
	e.open(t, "id=alice&issued="+old)
}
