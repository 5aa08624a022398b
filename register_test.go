package ssehub

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/engine"
)

// A client that hangs up while its stream is being set up is never left
// registered: not counted by Connections, not holding Shutdown. The hook
// forces the worst interleaving: the hang-up happens, and is given time to
// be noticed, before the stream is registered.
func TestHangUpBeforeRegistration(t *testing.T) {
	h := New(Config{Heartbeat: -1})
	served := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(served)
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	nc, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()

	testHookOpened = func(s *engine.Stream) {
		nc.Close()
		for deadline := time.Now().Add(200 * time.Millisecond); !s.Closed() && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
	}
	defer func() { testHookOpened = nil }()
	fmt.Fprintf(nc, "GET /?id=gone HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case <-served: // registration was attempted, and the stream set up
	case <-time.After(5 * time.Second):
		t.Fatal("the stream's handler did not return within 5s")
	}

	deadline := time.Now().Add(5 * time.Second)
	for n, _ := h.StreamCount(context.Background(), "gone"); n != 0; n, _ = h.StreamCount(context.Background(), "gone") {
		if time.Now().After(deadline) {
			t.Fatal("a stream whose client hung up before registration is still registered after 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v; a dead stream held it", err)
	}
}
