package ssehub_test

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// Each serving mode speaks what its name says: the behaviour tests that
// run in every mode (forEachMode) then cover HTTP/1.1, HTTP/1.1 over TLS
// (with and without the hub's TLS listener), HTTP/2 over TLS and
// cleartext HTTP/2 alike.
func TestModesSpeakTheirProtocol(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			var proto atomic.Value
			srv := newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				proto.Store(struct {
					major int
					tls   bool
				}{r.ProtoMajor, r.TLS != nil})
			}), m)
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := proto.Load().(struct {
				major int
				tls   bool
			})
			wantMajor, wantTLS := 1, m.tls || m.http2
			if m.http2 || m.h2c {
				wantMajor = 2
			}
			if got.major != wantMajor || got.tls != wantTLS {
				t.Errorf("served HTTP/%d, TLS %v; want HTTP/%d, TLS %v", got.major, got.tls, wantMajor, wantTLS)
			}
		})
	}
}

// One browser can hold more than six streams to the hub over HTTP/2: they
// share one connection, and every one of them receives events.
func TestManyStreamsOverOneHTTP2Connection(t *testing.T) {
	for _, m := range modes {
		if !m.http2 && !m.h2c {
			continue
		}
		t.Run(m.name, func(t *testing.T) {
			hub := ssehub.New(ssehub.Config{})
			var peers sync.Map // the client's address of each stream's connection
			srv := newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				peers.Store(r.RemoteAddr, true)
				hub.ServeHTTP(w, r)
			}), m)
			ssetest.ShutdownAtEnd(t, hub, srv)
			e := &env{hub: hub, srv: srv, client: srv.Client()}
			var streams []*ssetest.Stream
			for range 10 {
				streams = append(streams, e.open(t, "id=alice"))
			}
			e.publish(t, ssehub.Message{Broadcast: true, Data: []byte("to all ten")})
			for _, s := range streams {
				s.Expect(t, "to all ten")
			}
			n := 0
			peers.Range(func(any, any) bool { n++; return true })
			if n != 1 {
				t.Errorf("10 streams used %d connections, want 1", n)
			}
		})
	}
}
