package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// mercurePage opens, in the page, a native EventSource the way Mercure's
// clients subscribe: /.well-known/mercure?topic=<selector>, with the
// token in the mercureAuthorization cookie (no token in the URL), and
// records what it receives.
const mercurePage = `(() => {
  window.got = []; window.opens = 0; window.errors = 0;
  const u = new URL("/.well-known/mercure", location.origin);
  u.searchParams.append("topic", %q);
  window.es = new EventSource(u, {withCredentials: true});
  window.es.onopen = () => { window.opens++; };
  window.es.onerror = () => { window.errors++; };
  window.es.onmessage = (e) => { window.got.push({id: e.lastEventId, type: e.type, data: e.data}); };
})()`

// mercurePageState is what the page has seen.
type mercurePageState struct {
	ReadyState int          `json:"readyState"`
	Opens      int          `json:"opens"`
	Errors     int          `json:"errors"`
	Got        []shownEvent `json:"got"`
}

func (tb *tab) mercureState(t *testing.T) mercurePageState {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserWait)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[mercurePageState](
		`({readyState: window.es.readyState, opens: window.opens, errors: window.errors, got: window.got})`))
	if err != nil {
		t.Fatalf("%s: reading the page: %v\n%s", tb.name, err, tb.b.log())
	}
	return s
}

func (tb *tab) waitMercure(t *testing.T, what string, cond func(mercurePageState) bool) mercurePageState {
	t.Helper()
	deadline := time.Now().Add(browserWait)
	for {
		s := tb.mercureState(t)
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: waiting for %s: not within %v; the page: %+v", tb.name, what, browserWait, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A page subscribes Mercure's way in Chromium: a native EventSource on
// /.well-known/mercure?topic=<URI template>, the subscriber token in the
// mercureAuthorization cookie of the hub's origin. It receives the public
// and the private updates its token allows on topics the template
// matches, each once, with the publisher's ids, and neither a private
// update its token does not allow nor an update on another topic.
func TestBrowserMercureCookie(t *testing.T) {
	chromium := chromiumPath(t)
	hub := startTimedHub(t, freeAddr(t), "-mercure", "-mercure-subscriber-jwt-key", mercureSubKey, "-mercure-publisher-jwt-key", mercurePubKey)
	tb := newBrowser(t, chromium).tab(t, "the Mercure page")
	tb.navigate(t, hub.url+"/healthz")
	token := mercureToken(t, mercureSubKey, nil, []string{"https://example.com/books/1"})
	tb.do(t, "set the mercureAuthorization cookie",
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.cookie = "mercureAuthorization=" + %q + "; path=/.well-known/mercure; SameSite=Strict"`, token)))
	tb.do(t, "subscribe", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(mercurePage, booksTemplate)))
	tb.waitMercure(t, "the EventSource open", func(s mercurePageState) bool { return s.ReadyState == 1 })

	hub.mercurePublish(t, "topic", "https://example.com/books/2", "data", "private, not allowed", "private", "on")
	hub.mercurePublish(t, "topic", "https://example.com/authors/1", "data", "another topic")
	want := []shownEvent{
		{ID: hub.mercurePublish(t, "topic", "https://example.com/books/1", "data", "private, allowed", "private", "on", "id", "book-1-private"), Type: "message", Data: "private, allowed"},
		{ID: hub.mercurePublish(t, "topic", "https://example.com/books/2", "data", "public"), Type: "message", Data: "public"},
	}
	s := tb.waitMercure(t, "the allowed updates", func(s mercurePageState) bool { return len(s.Got) >= len(want) })
	time.Sleep(300 * time.Millisecond) // time for a copy or a refused update, were there one
	s = tb.mercureState(t)
	if fmtShown(s.Got) != fmtShown(want) || s.Opens != 1 || s.Errors != 0 {
		t.Fatalf("the page got %s (opened %d times, %d errors), want %s", fmtShown(s.Got), s.Opens, s.Errors, fmtShown(want))
	}
}
