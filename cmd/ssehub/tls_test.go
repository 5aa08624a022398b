package main

import (
	"net/http"
	"sync"
	"testing"

	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/internal/tlstest"
)

// With -tls-cert and -tls-key the hub serves HTTPS: HTTP/2 to clients
// that offer it, with many streams over one connection, and HTTP/1.1 to the
// others; both resume with Last-Event-ID.
func TestTLSServesHTTP2AndHTTP1(t *testing.T) {
	cert, key := tlstest.Get(t).Files(t)
	hub := startHub(t, "-tls-cert", cert, "-tls-key", key)
	h1 := &http.Client{Transport: &http.Transport{TLSClientConfig: tlstest.Get(t).ClientConfig()}} // no HTTP/2
	t.Cleanup(h1.CloseIdleConnections)
	for name, client := range map[string]*http.Client{"HTTP/2.0": hub.client, "HTTP/1.1": h1} {
		t.Run(name, func(t *testing.T) {
			var peers sync.Map
			var streams []*ssetest.Stream
			for range 8 {
				s := ssetest.OpenRegistered(t, client, hub.url+"/sse?id=alice", nil)
				peers.Store(s.Resp.Proto, true)
				streams = append(streams, s)
			}
			if _, ok := peers.Load(name); !ok {
				t.Errorf("streams spoke %v, want %s", keys(&peers), name)
			}
			id := hub.publishJSON(`{"clients":["alice"],"data":"over TLS"}`)
			for _, s := range streams {
				if ev := s.Next(t); ev.Data != "over TLS" || ev.ID != id {
					t.Fatalf("got %+v, want the event %s", ev, id)
				}
			}
			streams[0].Close()
			next := hub.publishJSON(`{"clients":["alice"],"data":"while away"}`)
			again := ssetest.OpenRegistered(t, client, hub.url+"/sse?id=alice", http.Header{"Last-Event-Id": {id}})
			if ev := again.Next(t); ev.Data != "while away" || ev.ID != next {
				t.Errorf("resuming after %s: %+v, want the event %s", id, ev, next)
			}
		})
	}
}

func keys(m *sync.Map) []any {
	var out []any
	m.Range(func(k, _ any) bool { out = append(out, k); return true })
	return out
}

// Without TLS, cleartext HTTP/2 (h2c, as proxies speak it) is accepted
// beside HTTP/1.1.
func TestH2C(t *testing.T) {
	hub := startHub(t)
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	h2c := &http.Client{Transport: &http.Transport{Protocols: p}}
	t.Cleanup(h2c.CloseIdleConnections)
	s := ssetest.OpenRegistered(t, h2c, hub.url+"/sse?id=bob", nil)
	if s.Resp.ProtoMajor != 2 {
		t.Fatalf("served %s, want HTTP/2", s.Resp.Proto)
	}
	hub.publishJSON(`{"clients":["bob"],"data":"h2c"}`)
	s.Expect(t, "h2c")
}
