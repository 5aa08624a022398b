package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// The demo page of a hub embedded under a prefix, as README's Embedding
// mounts it (mux.Handle("/hub/", http.StripPrefix("/hub", api))), in a real
// browser: opened at /hub (no slash) it lands at /hub/, streams from
// /hub/sse, shows an event published through /hub/publish, and its own
// publish form posts to /hub/publish. Nothing is mounted at the
// application's root: any request the page makes there (/sse, /publish)
// fails the test.
func TestBrowserDemoPageUnderPrefix(t *testing.T) {
	chromium := chromiumPath(t)
	var strays strayLog
	srv := embeddingServer(t, &strays)
	// hubProcess's helpers only speak HTTP: pointed at the prefix, they
	// publish and ask about clients through /hub/publish and /hub/clients.
	api := &hubProcess{url: srv.URL + "/hub", client: srv.Client(), stderr: new(lockedBuffer)}
	api.client.Timeout = browserWait

	tb := newBrowser(t, chromium).tab(t, "tab")
	tb.navigate(t, srv.URL+"/hub?id=alice&topic=room-1")
	v := tb.waitFor(t, "the stream open", func(v pageView) bool { return v.State == "open" })
	if want := srv.URL + "/hub/?id=alice&topic=room-1"; v.URL != want {
		t.Errorf("the page is at %s, want %s", v.URL, want)
	}
	api.waitStreams(t, "alice", 1)

	want := []shownEvent{{ID: api.mustPublish(t, `{"topics":["room-1"],"data":"through /hub/publish"}`), Type: "message", Data: "through /hub/publish"}}
	tb.waitEvents(t, "the event published through /hub/publish", want)

	tb.do(t, "publish with the form",
		chromedp.Click(chromedp.CSS(`input[name="target"][value="client"]`)),
		chromedp.SetValue(chromedp.ID("publish-data"), "from the form under /hub/"),
		chromedp.Click(chromedp.ID("publish-button")),
	)
	v = tb.waitFor(t, "the publish form's answer", func(v pageView) bool {
		return v.PublishResult != "" && v.PublishResult != "publishing…"
	})
	if v.PublishedID == "" {
		t.Fatalf("the publish form says %q, want a receipt", v.PublishResult)
	}
	want = append(want, shownEvent{ID: v.PublishedID, Type: "message", Data: "from the form under /hub/"})
	tb.waitEvents(t, "the event of the publish form", want)

	// What the page tells its reader: the routes it uses.
	for id, prefix := range map[string]string{"stream-url": "/hub/sse?", "sse-path": "/hub/sse", "publish-path": "/hub/publish"} {
		if text := tb.text(t, id); !strings.HasPrefix(text, prefix) {
			t.Errorf("#%s shows %q, want %s...", id, text, prefix)
		}
	}
	if s := strays.all(); len(s) > 0 {
		t.Errorf("the page made requests outside /hub/: %q", s)
	}
}

// embeddingServer is an application's server on a loopback port with a hub's
// API mounted at /hub/, as README's Embedding shows, and nothing else: what
// reaches its root is recorded in strays and refused.
func embeddingServer(t *testing.T, strays *strayLog) *httptest.Server {
	t.Helper()
	hub := ssehub.New(ssehub.Config{Logger: slog.New(slog.DiscardHandler)})
	mux := http.NewServeMux()
	mux.Handle("/hub/", http.StripPrefix("/hub", httpapi.New(hub, httpapi.Config{})))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		strays.add(r.Method + " " + r.URL.RequestURI())
		http.Error(w, "nothing is mounted here", http.StatusNotFound)
	})
	return ssetest.Serve(t, hub, mux)
}

// strayLog records the requests that reached the embedding application's
// root, from the server's goroutines.
type strayLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *strayLog) add(req string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, req)
}

func (l *strayLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.reqs...)
}

// text returns the text of the element with id.
func (tb *tab) text(t *testing.T, id string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserWait)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.getElementById(%q).textContent`, id)))
	if err != nil {
		t.Fatalf("%s: reading #%s: %v\n%s", tb.name, id, err, tb.b.log())
	}
	return s
}
