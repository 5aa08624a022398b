package ssehub_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
)

func TestTargetsReachExactlyTheirStreams(t *testing.T) {
	forEachMode(t, ssehub.Config{}, func(t *testing.T, e *env) {
		alice1 := e.open(t, "id=alice")
		alice2 := e.open(t, "id=alice")
		bob := e.open(t, "id=bob&topic=room")
		carol := e.open(t, "id=carol&topic=room&topic=lobby")
		dave := e.open(t, "id=dave")

		if r := e.publish(t, ssehub.Message{Clients: []string{"alice"}, Data: []byte("to alice")}); r.Streams != 2 {
			t.Errorf("to alice: queued for %d connections, want 2", r.Streams)
		}
		if r := e.publish(t, ssehub.Message{Topics: []string{"room"}, Data: []byte("to room")}); r.Streams != 2 {
			t.Errorf("to room: queued for %d connections, want 2", r.Streams)
		}
		// carol matches by client and by both topics: she gets it once.
		r := e.publish(t, ssehub.Message{
			Clients: []string{"carol", "alice"}, Topics: []string{"room", "lobby"}, Data: []byte("mixed"),
		})
		if r.Streams != 4 {
			t.Errorf("mixed: queued for %d connections, want 4", r.Streams)
		}
		if r := e.publish(t, ssehub.Message{Broadcast: true, Data: []byte("to all")}); r.Streams != 5 {
			t.Errorf("broadcast: queued for %d connections, want 5", r.Streams)
		}

		alice1.Expect(t, "to alice", "mixed", "to all")
		alice2.Expect(t, "to alice", "mixed", "to all")
		bob.Expect(t, "to room", "mixed", "to all")
		carol.Expect(t, "to room", "mixed", "to all")
		dave.Expect(t, "to all")
		for _, s := range []*ssetest.Stream{alice1, alice2, bob, carol, dave} {
			s.ExpectNone(t, 50*time.Millisecond)
		}
		if got := localConns(e.hub, "alice"); got != 2 {
			t.Errorf("Connections(alice) = %d, want 2", got)
		}
		if got := len(e.hub.Clients()); got != 4 {
			t.Errorf("Clients() has %d ids, want 4", got)
		}
	})
}

func TestEventsArriveAsPublished(t *testing.T) {
	forEachMode(t, ssehub.Config{}, func(t *testing.T, e *env) {
		s := e.open(t, "id=a")
		cases := []struct{ typ, data, want string }{
			{"", "plain", "plain"},
			{"chat", "typed", "typed"},
			{"", "", ""},
			{"", "two\nlines", "two\nlines"},
			{"", "crlf\r\nand cr\rend", "crlf\nand cr\nend"},
			{"", "trailing newline\n", "trailing newline\n"},
			{"", "\n\n", "\n\n"},
			{"", "x\n\nid: 999\nevent: evil\ndata: y", "x\n\nid: 999\nevent: evil\ndata: y"},
			{"", "ünïcödé ✓", "ünïcödé ✓"},
		}
		var ids []string
		for _, c := range cases {
			r := e.publish(t, ssehub.Message{Clients: []string{"a"}, Type: c.typ, Data: []byte(c.data)})
			ids = append(ids, r.ID)
		}
		for i, c := range cases {
			ev := s.Next(t)
			wantType := c.typ
			if wantType == "" {
				wantType = "message"
			}
			if ev.Data != c.want || ev.Type != wantType || ev.ID != ids[i] {
				t.Errorf("event %d: got %+v, want data %q type %q id %s", i, ev, c.want, wantType, ids[i])
			}
		}
	})
}

func TestIDsIncreaseInPublishOrder(t *testing.T) {
	e := start(t, ssehub.Config{}, modes[0])
	var last uint64
	for i := range 100 {
		r := e.publish(t, ssehub.Message{Broadcast: true})
		seq, err := strconv.ParseUint(r.ID, 10, 64)
		if err != nil || (i > 0 && seq != last+1) {
			t.Fatalf("publish %d: id %q after %d", i, r.ID, last)
		}
		last = seq
	}
}

func TestStreamHeadersComeAtOnce(t *testing.T) {
	forEachMode(t, ssehub.Config{}, func(t *testing.T, e *env) {
		// open returns once the response header is in; no event was published.
		s := e.open(t, "id=a")
		h := s.Resp.Header
		for name, want := range map[string]string{
			"Content-Type":      "text/event-stream",
			"Cache-Control":     "no-cache",
			"X-Accel-Buffering": "no",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("%s: %q, want %q", name, got, want)
			}
		}
	})
}

func TestPublishValidation(t *testing.T) {
	e := start(t, ssehub.Config{}, modes[0])
	s := e.open(t, "id=a")
	bad := []ssehub.Message{
		{},
		{Clients: []string{""}},
		{Clients: []string{"a"}, Type: "a\nb"},
		{Clients: []string{"a"}, Type: "a\rb"},
		{Clients: []string{"a"}, Type: "a\x00b"},
		{Topics: []string{"t\n"}},
		{Clients: []string{strings.Repeat("x", ssehub.MaxNameLen+1)}},
		{Clients: make([]string, ssehub.MaxTargets+1)},
	}
	for _, m := range bad {
		if _, err := e.hub.Publish(context.Background(), m); !errors.Is(err, ssehub.ErrInvalid) {
			t.Errorf("Publish(%.60v): err %v, want ErrInvalid", m, err)
		}
	}
	s.ExpectNone(t, 50*time.Millisecond)
}

func TestHeartbeat(t *testing.T) {
	forEachMode(t, ssehub.Config{Heartbeat: 20 * time.Millisecond}, func(t *testing.T, e *env) {
		s := e.open(t, "id=a")
		for range 2 {
			select {
			case c := <-s.Comments:
				if c != "ping" {
					t.Fatalf("comment %q, want ping", c)
				}
			case <-time.After(ssetest.Wait):
				t.Fatal("no heartbeat")
			}
		}
	})
}

// A client that stops reading must not delay anyone else, nor the publisher;
// its queue overflows and its connection is closed.
func TestSlowClientIsIsolated(t *testing.T) {
	forEachMode(t, ssehub.Config{QueueBytes: 64 << 10, WriteTimeout: time.Second}, func(t *testing.T, e *env) {
		e.request(t, "id=slow") // never read
		fast := e.open(t, "id=fast")
		big := []byte(strings.Repeat("x", 16<<10))
		start := time.Now()
		for i := range 400 { // 6.4 MB: far more than socket buffers hold
			e.publish(t, ssehub.Message{Broadcast: true, Data: append([]byte(strconv.Itoa(i)+" "), big...)})
			if got := fast.Next(t); !strings.HasPrefix(got.Data, strconv.Itoa(i)+" ") {
				t.Fatalf("fast client got %.20q, want event %d", got.Data, i)
			}
		}
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("400 publishes took %v with a stalled client", d)
		}
		ssetest.Eventually(t, "stalled client disconnected", func() bool { return localConns(e.hub, "slow") == 0 })
		if e.hub.Stats().Overflows == 0 {
			t.Error("no overflow counted")
		}
	})
}

// A publisher is never blocked, even by a client that never reads at all:
// a raw TCP client that sends its request and then nothing.
func TestPublishNeverBlocks(t *testing.T) {
	e := start(t, ssehub.Config{QueueBytes: 32 << 10}, modes[0])
	nc, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fmt.Fprintf(nc, "GET /?id=raw HTTP/1.1\r\nHost: x\r\n\r\n")
	ssetest.Eventually(t, "raw client connected", func() bool { return localConns(e.hub, "raw") == 1 })
	data := []byte(strings.Repeat("y", 60<<10))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			e.hub.Publish(context.Background(), ssehub.Message{Clients: []string{"raw"}, Data: data})
		}
	}()
	select {
	case <-done:
	case <-time.After(ssetest.Wait):
		t.Fatal("publishing to a client that never reads blocked")
	}
}

func TestHangUpIsNoticed(t *testing.T) {
	forEachMode(t, ssehub.Config{}, func(t *testing.T, e *env) {
		s := e.open(t, "id=leaver")
		if localConns(e.hub, "leaver") != 1 {
			t.Fatal("not connected")
		}
		s.Close()
		// Well before the 15 s heartbeat could find it.
		ssetest.Eventually(t, "hang-up noticed", func() bool { return localConns(e.hub, "leaver") == 0 })
	})
}

func TestShutdownDeliversQueuedAndEndsStreams(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			hub := ssehub.New(ssehub.Config{KeepHandler: m.keepHandler})
			e := &env{hub: hub}
			e.srv = newServer(hub, m)
			defer e.srv.Close()
			e.client = e.srv.Client()
			streams := []*ssetest.Stream{e.open(t, "id=a"), e.open(t, "id=b"), e.open(t, "id=a")}
			for i := range 50 {
				e.publish(t, ssehub.Message{Broadcast: true, Data: []byte(strconv.Itoa(i))})
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := hub.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			for _, s := range streams {
				for i := range 50 {
					s.Expect(t, strconv.Itoa(i))
				}
				if _, err := s.Ended(t); err.Error() != "EOF" {
					t.Errorf("stream ended with %v, want a clean EOF", err)
				}
			}
			if _, err := hub.Publish(context.Background(), ssehub.Message{Broadcast: true}); !errors.Is(err, ssehub.ErrClosed) {
				t.Errorf("Publish after Shutdown: %v, want ErrClosed", err)
			}
			if n := hub.Stats().Streams; n != 0 {
				t.Errorf("%d connections left", n)
			}
		})
	}
}

// Connects, disconnects, publishes and a shutdown, all at once, under -race.
func TestConcurrentUse(t *testing.T) {
	forEachMode(t, ssehub.Config{QueueBytes: 8 << 10}, func(t *testing.T, e *env) {
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for g := range 8 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					s := e.open(t, fmt.Sprintf("id=c%d&topic=t%d", g, i%3))
					if i%2 == 0 { // sometimes leave mid-stream, sometimes at once
						select {
						case <-s.Events:
						case <-stop:
						}
					}
					s.Close()
				}
			})
		}
		for p := range 4 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					m := ssehub.Message{Broadcast: i%3 == 0, Clients: []string{fmt.Sprintf("c%d", i%8)}, Topics: []string{fmt.Sprintf("t%d", p%3)}, Data: []byte("x")}
					if _, err := e.hub.Publish(context.Background(), m); err != nil {
						t.Errorf("Publish: %v", err)
						return
					}
					e.hub.Clients()
					e.hub.Stats()
					time.Sleep(100 * time.Microsecond)
				}
			})
		}
		time.Sleep(500 * time.Millisecond)
		close(stop)
		wg.Wait()
	})
}

// The write timeout bounds each write; it must not end a healthy stream that
// simply lives longer than it.
func TestStreamOutlivesWriteTimeout(t *testing.T) {
	forEachMode(t, ssehub.Config{WriteTimeout: 100 * time.Millisecond}, func(t *testing.T, e *env) {
		s := e.open(t, "id=a")
		for i := range 3 {
			time.Sleep(150 * time.Millisecond)
			e.publish(t, ssehub.Message{Clients: []string{"a"}, Data: []byte(strconv.Itoa(i))})
			s.Expect(t, strconv.Itoa(i))
		}
	})
}

func TestPublishBatch(t *testing.T) {
	e := start(t, ssehub.Config{}, modes[0])
	s := e.open(t, "id=a&topic=t")
	before := e.publish(t, ssehub.Message{Clients: []string{"a"}, Data: []byte("before")})
	s.Expect(t, "before")

	bad := []ssehub.Message{{Clients: []string{"a"}, Data: []byte("ok")}, {Data: []byte("no target")}}
	if _, err := e.hub.PublishBatch(context.Background(), bad); !errors.Is(err, ssehub.ErrInvalid) || !strings.Contains(err.Error(), "message 1") {
		t.Fatalf("batch with an invalid message: %v, want ErrInvalid naming message 1", err)
	}
	s.ExpectNone(t, 50*time.Millisecond)

	recs, err := e.hub.PublishBatch(context.Background(), []ssehub.Message{
		{Clients: []string{"a"}, Data: []byte("1")},
		{Topics: []string{"t"}, Data: []byte("2")},
		{Clients: []string{"nobody"}, Data: []byte("x")},
		{Broadcast: true, Data: []byte("3")},
	})
	if err != nil || len(recs) != 4 {
		t.Fatalf("PublishBatch: %v, %d receipts", err, len(recs))
	}
	prev, _ := strconv.ParseUint(before.ID, 10, 64)
	for i, r := range recs {
		if id, _ := strconv.ParseUint(r.ID, 10, 64); id != prev+1 {
			t.Errorf("receipt %d: id %s, want %d", i, r.ID, prev+1)
		}
		prev++
		if want := []int{1, 1, 0, 1}[i]; r.Streams != want {
			t.Errorf("receipt %d: %d connections, want %d", i, r.Streams, want)
		}
	}
	s.Expect(t, "1", "2", "3")
}

// Headers the application set before handing the request to the hub (CORS,
// say) reach the client, on every path.
func TestApplicationHeadersAreKept(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			hub := ssehub.New(ssehub.Config{KeepHandler: m.keepHandler})
			defer hub.Shutdown(context.Background())
			srv := newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Access-Control-Allow-Origin", "https://app.example")
				w.Header().Set("X-Evil", "a\r\nInjected: yes")
				hub.ServeHTTP(w, r)
			}), m)
			defer srv.Close()
			e := &env{hub: hub, srv: srv, client: srv.Client()}
			s := e.open(t, "id=a")
			if got := s.Resp.Header.Get("Access-Control-Allow-Origin"); got != "https://app.example" {
				t.Errorf("Access-Control-Allow-Origin = %q", got)
			}
			if got := s.Resp.Header.Get("Injected"); got != "" {
				t.Errorf("a line break in a header value injected a header: %q", got)
			}
			if got := s.Resp.Header.Get("Content-Type"); got != "text/event-stream" {
				t.Errorf("Content-Type = %q", got)
			}
			e.publish(t, ssehub.Message{Clients: []string{"a"}, Data: []byte("x")})
			s.Expect(t, "x")
			s.Close()
		})
	}
}

// An application's http.Server often has a WriteTimeout meant for ordinary
// responses; it must not cut its event streams.
func TestStreamOutlivesServerWriteTimeout(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			hub := ssehub.New(ssehub.Config{KeepHandler: m.keepHandler})
			defer hub.Shutdown(context.Background())
			srv := httptest.NewUnstartedServer(hub)
			srv.Config.WriteTimeout = 100 * time.Millisecond
			if m.http2 {
				srv.EnableHTTP2 = true
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()
			e := &env{hub: hub, srv: srv, client: srv.Client()}
			s := e.open(t, "id=a")
			for i := range 3 {
				time.Sleep(150 * time.Millisecond)
				e.publish(t, ssehub.Message{Clients: []string{"a"}, Data: []byte(strconv.Itoa(i))})
				s.Expect(t, strconv.Itoa(i))
			}
			s.Close()
		})
	}
}
