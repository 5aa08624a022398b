package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/internal/tlstest"
)

// Everything else holds in Mercure mode: over TLS with HTTP/2, a Mercure
// stream gets updates and heartbeats, is counted in the metrics under
// protocol "mercure", is held to the streams-per-address limit (429), is
// listed in /clients under its urn:uuid subscriber id, and ends when that
// client is kicked.
func TestMercureOverTLSWithLimitsMetricsKicks(t *testing.T) {
	cert, key := tlstest.Get(t).Files(t)
	hub := startMercureHub(t, "-tls-cert", cert, "-tls-key", key, "-heartbeat", "200ms", "-max-streams-per-address", "2")
	s := hub.mercureOpen(t, selectors("https://example.com/books/{id}"))
	if s.Resp.ProtoMajor != 2 {
		t.Errorf("served %s, want HTTP/2", s.Resp.Proto)
	}
	id := hub.mercurePublish(t, "topic", "https://example.com/books/1", "data", "over TLS")
	if ev := s.Next(t); ev.Data != "over TLS" || ev.ID != id {
		t.Errorf("got %+v, want the update %s", ev, id)
	}
	select {
	case c := <-s.Comments:
		if !strings.HasPrefix(c, " ping") && c != "ping" {
			t.Errorf("comment %q, want a heartbeat", c)
		}
	case <-time.After(ssetest.Wait):
		t.Errorf("no heartbeat within %v on a Mercure stream (-heartbeat 200ms)", ssetest.Wait)
	}

	if code, body := hub.request(t, "GET", "/metrics", ""); code != 200 || !strings.Contains(body, `ssehub_streams_open{protocol="mercure"} 1`) {
		t.Errorf("GET /metrics: %d, want ssehub_streams_open{protocol=\"mercure\"} 1 in:\n%s", code, grepLines(body, "streams_open"))
	}

	hub.mercureOpen(t, selectors("a"))
	req, _ := http.NewRequest("GET", hub.url+"/.well-known/mercure?"+selectors("b"), nil)
	resp, err := hub.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a third stream from one address: %d, want 429", resp.StatusCode)
	}

	code, body := hub.request(t, "GET", "/clients", "")
	var list struct {
		Clients []struct {
			ID string `json:"id"`
		} `json:"clients"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Clients) != 2 {
		t.Fatalf("GET /clients: %d %s, want the two Mercure subscribers", code, body)
	}
	for _, c := range list.Clients {
		if !urnUUID.MatchString(c.ID) {
			t.Errorf("client id %q, want a urn:uuid subscriber id", c.ID)
		}
	}
	for _, c := range list.Clients {
		if code, body := hub.request(t, "DELETE", "/clients/"+url.PathEscape(c.ID), ""); code != 200 {
			t.Errorf("DELETE /clients/%s: %d %s", c.ID, code, body)
		}
	}
	s.Ended(t) // fails the test if the kicked stream is still open after ssetest.Wait
}

// grepLines returns the lines of text that contain s.
func grepLines(text, s string) string {
	var out []string
	for l := range strings.SplitSeq(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
