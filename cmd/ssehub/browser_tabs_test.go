package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/golang-jwt/jwt/v5"
)

// handOverWithin bounds a hand-over: from the leader's tab closed to one
// stream open again, in the next tab.
const handOverWithin = 3 * time.Second

// SharedEventSource (GET /ssehub.js) in four tabs of one browser profile,
// against the real binary on the durable store: the hub sees one stream for
// the four; every tab gets every event once, in order; the leader's tab
// closed while events are published at 20/s, the next tab opens the stream
// within 3 s, resuming after the last id, and no remaining tab misses or
// repeats an event; a follower's close() stops its delivery only.
func TestBrowserSharedEventSource(t *testing.T) {
	chromium := chromiumPath(t)
	store := "bolt:" + filepath.Join(t.TempDir(), "events.db")
	hub := startTimedHub(t, freeAddr(t), "-store", store, "-retry", "300ms")

	b := newBrowser(t, chromium)
	first := b.tab(t, "tab 4") // the browser's own tab: it cannot be closed alone
	// Pages of the hub's origin without a Content Security Policy (the
	// demo page's allows its own script only); 127.0.0.1 is a secure
	// context, as Web Locks need.
	page := hub.url + "/healthz"
	tabs := []*sharedTab{openSharedTab(t, b, "tab 1"), openSharedTab(t, b, "tab 2"), openSharedTab(t, b, "tab 3"), {tab: first}}
	for _, st := range tabs {
		st.navigate(t, page)
	}
	// In order: Web Locks grant the lock in the order it was asked for, so
	// tab 1 leads, then tab 2.
	for _, st := range tabs {
		st.start(t, "/sse?id=alice")
	}
	for _, st := range tabs {
		st.waitState(t, "the shared stream open", func(s sharedState) bool { return s.ReadyState == 1 })
	}
	hub.waitStreams(t, "alice", 1)
	time.Sleep(300 * time.Millisecond) // time for a second stream, were there one
	if n := hub.streams(t, "alice").Connections; n != 1 {
		t.Fatalf("four tabs: the hub has %d streams of alice, want 1", n)
	}
	for i, st := range tabs {
		if s := st.state(t); s.RealOpens != boolInt(i == 0) {
			t.Errorf("%s: opened %d real EventSources, want %d (tab 1 leads)", st.name, s.RealOpens, boolInt(i == 0))
		}
	}

	var want []shownEvent
	publish := func(body, typ, data string) {
		t.Helper()
		want = append(want, shownEvent{ID: hub.mustPublish(t, body), Type: typ, Data: data})
	}
	publish(`{"clients":["alice"],"data":"one"}`, "message", "one")
	publish(`{"clients":["alice"],"event":"chat","data":"two"}`, "chat", "two")
	publish(`{"broadcast":true,"data":"line one\nline two"}`, "message", "line one\nline two")
	for _, st := range tabs {
		st.waitEvents(t, "the first events", want)
	}

	// The leader's tab closes mid-stream, events published at 20/s.
	var (
		mu        sync.Mutex
		published []shownEvent
		failed    int
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 40 {
			data := fmt.Sprintf("burst %d", i)
			id := hub.publishJSON(fmt.Sprintf(`{"clients":["alice"],"data":%q}`, data))
			mu.Lock()
			if id == "" {
				failed++
			} else {
				published = append(published, shownEvent{ID: id, Type: "message", Data: data})
			}
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
		}
	}()
	time.Sleep(500 * time.Millisecond)
	closed := time.Now()
	tabs[0].closeTab()
	rest := tabs[1:]
	deadline := closed.Add(handOverWithin)
	for {
		s := rest[0].state(t)
		if s.RealOpens == 1 && s.RealState == 1 && hub.streams(t, "alice").Connections == 1 {
			t.Logf("hand-over: tab 2 has the stream %v after tab 1 closed; it resumed with %s", time.Since(closed).Round(time.Millisecond), s.RealURL)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tab 1 closed: not one stream again, in tab 2, within %v: tab 2 %+v; the hub has %d streams",
				handOverWithin, s, hub.streams(t, "alice").Connections)
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-done:
	case <-time.After(browserWait):
		t.Fatal("publishing 40 events at 20/s: not done")
	}
	if failed > 0 {
		t.Fatalf("%d of the 40 publishes were not acknowledged", failed)
	}
	want = append(want, published...)
	for _, st := range rest {
		st.waitEvents(t, "every event across the hand-over, once, in order", want)
		if s := st.state(t); s.Opens != 1 {
			t.Errorf("%s: onopen ran %d times, want 1 (the hand-over is not a reconnection)", st.name, s.Opens)
		}
	}

	// A follower closes: its delivery stops, the others' and the stream go on.
	follower := rest[1]
	follower.do(t, "close()", chromedp.Evaluate[chromedp.Void](`window.es.close()`))
	before := slices.Clone(want)
	publish(`{"clients":["alice"],"data":"after a follower's close"}`, "message", "after a follower's close")
	for _, st := range []*sharedTab{rest[0], rest[2]} {
		st.waitEvents(t, "the event after a follower's close", want)
	}
	time.Sleep(300 * time.Millisecond) // time for a wrong delivery
	s := follower.state(t)
	if s.ReadyState != 2 || !slices.Equal(s.Got, before) {
		t.Errorf("%s after close(): readyState %d, got %d events (want 2 and the %d before)", follower.name, s.ReadyState, len(s.Got), len(before))
	}
	if n := hub.streams(t, "alice").Connections; n != 1 {
		t.Errorf("after a follower's close the hub has %d streams of alice, want 1", n)
	}
}

// sharedTab is a tab running a SharedEventSource imported from the hub.
type sharedTab struct {
	*tab
	cancel context.CancelFunc // closes the tab; nil for the browser's first
}

// openSharedTab opens a new tab that the test can close by itself.
func openSharedTab(t *testing.T, b *browser, name string) *sharedTab {
	t.Helper()
	b.tabs++
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	b.start(t, ctx, "opening "+name)
	return &sharedTab{tab: &tab{name: name, ctx: ctx, b: b}, cancel: cancel}
}

// closeTab closes the tab, as a user does: the browser releases its locks.
func (st *sharedTab) closeTab() { st.cancel() }

// sharedScript imports the module and opens url with init (a JS object
// literal: the SharedEventSource's options), recording what it
// delivers in window.got and the readyState at each onerror, and counting
// the real EventSources the page opens (the browser's own, counted on the
// way: installed once, before the module's first import binds it). A tab's
// previous SharedEventSource is closed first.
const sharedScript = `(async (url, module, init) => {
  window.es?.close();
  window.got = []; window.opens = 0; window.errors = 0; window.errorStates = []; window.realOpens = 0; window.real = null;
  if (!window.NativeEventSource) {
    const Native = window.NativeEventSource = window.EventSource;
    window.EventSource = class extends Native {
      constructor(u, init) { super(u, init); window.realOpens++; window.real = this; }
    };
  }
  const { SharedEventSource } = await import(module);
  const es = new SharedEventSource(url, init);
  window.es = es;
  const push = (e) => window.got.push({ id: e.lastEventId, type: e.type, data: e.data });
  es.onopen = () => window.opens++;
  es.onerror = () => { window.errors++; window.errorStates.push(es.readyState); };
  es.onmessage = push;
  es.addEventListener("chat", push);
})(%q, %q, %s)`

// start opens url with the module of the tab's origin.
func (st *sharedTab) start(t *testing.T, url string) {
	t.Helper()
	st.startWith(t, "/ssehub.js", url)
}

// startWith opens url with the module imported from module.
func (st *sharedTab) startWith(t *testing.T, module, url string) {
	t.Helper()
	st.startInit(t, module, url, "{}")
}

// startInit opens url with the module imported from module and the options
// init, a JS object literal such as {withCredentials: true}.
func (st *sharedTab) startInit(t *testing.T, module, url, init string) {
	t.Helper()
	st.do(t, "import "+module+" and open "+url+" with "+init,
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(sharedScript, url, module, init), chromedp.EvalAwaitPromise))
}

// sharedState is what a tab's SharedEventSource did.
type sharedState struct {
	ReadyState int          `json:"readyState"`
	Opens      int          `json:"opens"`
	Errors     int          `json:"errors"`
	ErrorState []int        `json:"errorStates"` // readyState at each onerror
	Got        []shownEvent `json:"got"`
	RealOpens  int          `json:"realOpens"` // real EventSources this tab opened
	RealState  int          `json:"realState"` // the last one's readyState (-1: none)
	RealURL    string       `json:"realURL"`
	RealCreds  bool         `json:"realCredentials"` // the last one's withCredentials
}

func (st *sharedTab) state(t *testing.T) sharedState {
	t.Helper()
	ctx, cancel := context.WithTimeout(st.ctx, browserWait)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[sharedState](`({
  readyState: window.es.readyState, opens: window.opens, errors: window.errors, errorStates: window.errorStates, got: window.got,
  realOpens: window.realOpens, realState: window.real ? window.real.readyState : -1, realURL: window.real ? window.real.url : "",
  realCredentials: window.real ? window.real.withCredentials : false
})`))
	if err != nil {
		t.Fatalf("%s: reading the page: %v\n%s", st.name, err, st.b.log())
	}
	return s
}

func (st *sharedTab) waitState(t *testing.T, what string, cond func(sharedState) bool) sharedState {
	t.Helper()
	deadline := time.Now().Add(browserWait)
	for {
		s := st.state(t)
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: waiting for %s: not within %v; the tab: %+v", st.name, what, browserWait, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitEvents waits until the tab has as many events as want, then checks
// they are want: each once, in order.
func (st *sharedTab) waitEvents(t *testing.T, what string, want []shownEvent) {
	t.Helper()
	s := st.waitState(t, what, func(s sharedState) bool { return len(s.Got) >= len(want) })
	if !slices.Equal(s.Got, want) {
		t.Fatalf("%s: %s: got\n%s\nwant\n%s", st.name, what, fmtShown(s.Got), fmtShown(want))
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The demo page in three tabs of one profile, as alice: the page's
// SharedEventSource makes them one stream on the hub, and each tab lists an
// event published to alice once.
func TestBrowserDemoPageTabs(t *testing.T) {
	chromium := chromiumPath(t)
	store := "bolt:" + filepath.Join(t.TempDir(), "events.db")
	hub := startTimedHub(t, freeAddr(t), "-store", store, "-retry", "300ms")
	b := newBrowser(t, chromium)
	tabs := []*tab{b.tab(t, "tab 1"), b.tab(t, "tab 2"), b.tab(t, "tab 3")}
	for _, tb := range tabs {
		tb.navigate(t, hub.url+"/?id=alice")
	}
	for _, tb := range tabs {
		tb.waitFor(t, "the stream open", func(v pageView) bool { return v.State == "open" && v.Opens == 1 })
	}
	hub.waitStreams(t, "alice", 1)
	time.Sleep(300 * time.Millisecond) // time for a second stream, were there one
	if n := hub.streams(t, "alice").Connections; n != 1 {
		t.Fatalf("three demo tabs of alice: GET /clients/alice shows %d streams, want 1", n)
	}
	want := []shownEvent{{ID: hub.mustPublish(t, `{"clients":["alice"],"data":"to alice's tabs"}`), Type: "message", Data: "to alice's tabs"}}
	for _, tb := range tabs {
		tb.waitEvents(t, "the event, once", want)
	}
	time.Sleep(300 * time.Millisecond) // time for a second copy, were there one
	for _, tb := range tabs {
		tb.waitEvents(t, "the event, still once", want)
	}
}

// SharedEventSource's tabs through a kill -9 of the hub and a restart on the
// same address and bolt file: the leader's EventSource reconnects by itself
// with Last-Event-ID, there is one stream again, and every tab has every
// event published before and after, once, in order.
func TestBrowserSharedEventSourceRestart(t *testing.T) {
	chromium := chromiumPath(t)
	addr := freeAddr(t)
	args := []string{"-store", "bolt:" + filepath.Join(t.TempDir(), "events.db"), "-retry", "300ms"}
	hub := startTimedHub(t, addr, args...)
	tabs := sharedTabs(t, newBrowser(t, chromium), hub.url+"/healthz", 3)
	for _, st := range tabs {
		st.start(t, "/sse?id=alice")
	}
	for _, st := range tabs {
		st.waitState(t, "the shared stream open", func(s sharedState) bool { return s.ReadyState == 1 })
	}
	hub.onlyStreams(t, "alice", 1)

	var want []shownEvent
	publish := func(body, typ, data string) {
		t.Helper()
		want = append(want, shownEvent{ID: hub.mustPublish(t, body), Type: typ, Data: data})
	}
	publish(`{"clients":["alice"],"data":"before"}`, "message", "before")
	publish(`{"broadcast":true,"event":"chat","data":"also before"}`, "chat", "also before")
	for _, st := range tabs {
		st.waitEvents(t, "the events before the kill", want)
	}

	hub.cmd.Process.Kill()
	<-hub.exited
	for _, st := range tabs {
		st.waitState(t, "the hub gone: connecting again", func(s sharedState) bool { return s.ReadyState == 0 && s.Errors > 0 })
	}
	publishedWhileDown := hub.publishJSON(`{"clients":["alice"],"data":"lost"}`)
	if publishedWhileDown != "" {
		t.Fatalf("a publish to the killed hub was acknowledged as %s", publishedWhileDown)
	}
	hub = startTimedHub(t, addr, args...)
	publish(`{"clients":["alice"],"data":"after the restart"}`, "message", "after the restart")
	publish(`{"clients":["alice"],"event":"chat","data":"also after"}`, "chat", "also after")
	for _, st := range tabs {
		st.waitEvents(t, "the events published after the restart", want)
		st.waitState(t, "the shared stream open again", func(s sharedState) bool { return s.ReadyState == 1 })
	}
	hub.onlyStreams(t, "alice", 1)
	publish(`{"clients":["alice"],"data":"live again"}`, "message", "live again")
	for _, st := range tabs {
		st.waitEvents(t, "a live event after the restart", want)
		if s := st.state(t); s.Opens != 2 {
			t.Errorf("%s: onopen ran %d times, want 2 (once more after the restart)", st.name, s.Opens)
		}
	}
}

// Two client ids in one profile, two tabs each: two streams in all, and each
// tab gets its own client's events (and broadcasts), nobody else's.
func TestBrowserSharedEventSourceTwoClients(t *testing.T) {
	chromium := chromiumPath(t)
	hub := startTimedHub(t, freeAddr(t), "-store", "bolt:"+filepath.Join(t.TempDir(), "events.db"))
	tabs := sharedTabs(t, newBrowser(t, chromium), hub.url+"/healthz", 4)
	client := []string{"alice", "bob", "alice", "bob"}
	for i, st := range tabs {
		st.start(t, "/sse?id="+client[i])
	}
	for _, st := range tabs {
		st.waitState(t, "the shared stream open", func(s sharedState) bool { return s.ReadyState == 1 })
	}
	hub.onlyStreams(t, "alice", 1)
	hub.onlyStreams(t, "bob", 1)

	want := map[string][]shownEvent{}
	publish := func(body, typ, data string, to ...string) {
		t.Helper()
		id := hub.mustPublish(t, body)
		for _, c := range to {
			want[c] = append(want[c], shownEvent{ID: id, Type: typ, Data: data})
		}
	}
	publish(`{"clients":["alice"],"data":"to alice"}`, "message", "to alice", "alice")
	publish(`{"clients":["bob"],"data":"to bob"}`, "message", "to bob", "bob")
	publish(`{"clients":["bob"],"event":"chat","data":"chat to bob"}`, "chat", "chat to bob", "bob")
	publish(`{"broadcast":true,"data":"to both"}`, "message", "to both", "alice", "bob")
	publish(`{"clients":["alice"],"event":"chat","data":"chat to alice"}`, "chat", "chat to alice", "alice")
	for i, st := range tabs {
		st.waitEvents(t, client[i]+"'s events only", want[client[i]])
	}
	time.Sleep(300 * time.Millisecond) // time for a wrong delivery
	real := map[string]int{}
	for i, st := range tabs {
		s := st.state(t)
		if !slices.Equal(s.Got, want[client[i]]) {
			t.Errorf("%s (%s): got%s\nwant%s", st.name, client[i], fmtShown(s.Got), fmtShown(want[client[i]]))
		}
		real[client[i]] += s.RealOpens
	}
	if real["alice"] != 1 || real["bob"] != 1 {
		t.Errorf("real EventSources opened: %v, want one for alice and one for bob", real)
	}
}

// A page on another origin imports the module from the hub
// (import("http://<hub>/ssehub.js"), the hub's Access-Control-Allow-Origin:
// *) and streams from a hub that allows that origin (-allow-origin): its two
// tabs share one stream and get the events.
func TestBrowserSharedEventSourceOtherOrigin(t *testing.T) {
	chromium := chromiumPath(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>an application</title><p>an application on another origin</p>")
	}))
	t.Cleanup(app.Close)
	hub := startTimedHub(t, freeAddr(t), "-store", "bolt:"+filepath.Join(t.TempDir(), "events.db"), "-allow-origin", app.URL)
	tabs := sharedTabs(t, newBrowser(t, chromium), app.URL+"/", 2)
	for _, st := range tabs {
		st.startWith(t, hub.url+"/ssehub.js", hub.url+"/sse?id=carol")
	}
	for _, st := range tabs {
		st.waitState(t, "the shared stream open, across origins", func(s sharedState) bool { return s.ReadyState == 1 })
	}
	hub.onlyStreams(t, "carol", 1)
	want := []shownEvent{{ID: hub.mustPublish(t, `{"clients":["carol"],"data":"to another origin"}`), Type: "message", Data: "to another origin"}}
	for _, st := range tabs {
		st.waitEvents(t, "the event, on another origin", want)
	}
}

// With subscriber tokens on, a stream the hub refuses (an invalid token, an
// expired one: 401) reaches every tab's onerror once, with readyState CLOSED
// (2), as a native EventSource's refusal does; with a valid token in the
// URL the tabs share one stream.
func TestBrowserSharedEventSourceRefused(t *testing.T) {
	chromium := chromiumPath(t)
	hub := startTimedHub(t, freeAddr(t), "-store", "bolt:"+filepath.Join(t.TempDir(), "events.db"), "-jwt-secret", subscriberSecret, "-retry", "300ms")
	token := func(exp time.Time) string { return subscriberToken(t, "alice", exp) }
	tabs := sharedTabs(t, newBrowser(t, chromium), hub.url+"/healthz", 3)
	for _, c := range []struct{ name, token string }{
		{"an invalid token", "not-a-jwt"},
		{"an expired token", token(time.Now().Add(-time.Hour))},
	} {
		for _, st := range tabs {
			st.start(t, "/sse?token="+c.token)
		}
		for _, st := range tabs {
			st.waitState(t, "onerror, refused for "+c.name, func(s sharedState) bool { return s.Errors > 0 })
		}
		time.Sleep(300 * time.Millisecond) // time for a retry, were there one
		for _, st := range tabs {
			if s := st.state(t); s.ReadyState != 2 || !slices.Equal(s.ErrorState, []int{2}) || s.Opens != 0 || len(s.Got) != 0 {
				t.Errorf("%s, refused for %s: readyState %d, onerror with readyState %v, %d opens, %d events; want 2, [2] (once), none, none",
					st.name, c.name, s.ReadyState, s.ErrorState, s.Opens, len(s.Got))
			}
		}
	}

	valid := token(time.Now().Add(time.Hour))
	for _, st := range tabs {
		st.start(t, "/sse?token="+valid)
	}
	for _, st := range tabs {
		st.waitState(t, "the shared stream open with a valid token", func(s sharedState) bool { return s.ReadyState == 1 })
	}
	hub.onlyStreams(t, "alice", 1)
	want := []shownEvent{{ID: hub.mustPublish(t, `{"clients":["alice"],"data":"with a token"}`), Type: "message", Data: "with a token"}}
	for _, st := range tabs {
		st.waitEvents(t, "the event, with a valid token", want)
	}
}

// subscriberSecret is the hub's -jwt-secret in the token tests.
const subscriberSecret = "a-subscriber-secret-of-32-bytes!"

// subscriberToken mints a subscriber token for client sub, signed with
// subscriberSecret, issued two hours ago and expiring at exp.
func subscriberToken(t *testing.T, sub string, exp time.Time) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": sub, "iat": time.Now().Add(-2 * time.Hour).Unix(), "exp": exp.Unix(),
	}).SignedString([]byte(subscriberSecret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// With subscriber tokens on, the token in the ssehub_token cookie of the
// hub's origin (set by a page of that origin, as a login would) and no token
// in the URL: three tabs of one profile open
// new SharedEventSource("/sse", {withCredentials: true}); the leader's real
// EventSource is credentialed, the hub sees one stream of the cookie's
// client, and every tab gets a published event once.
func TestBrowserSharedEventSourceCookie(t *testing.T) {
	chromium := chromiumPath(t)
	hub := startTimedHub(t, freeAddr(t), "-store", "bolt:"+filepath.Join(t.TempDir(), "events.db"), "-jwt-secret", subscriberSecret)
	tabs := sharedTabs(t, newBrowser(t, chromium), hub.url+"/healthz", 3)
	setTokenCookie(t, tabs[0].tab, subscriberToken(t, "alice", time.Now().Add(time.Hour)))
	for _, st := range tabs {
		st.startInit(t, "/ssehub.js", "/sse", "{withCredentials: true}")
	}
	for _, st := range tabs {
		st.waitState(t, "the shared stream open with the cookie", func(s sharedState) bool { return s.ReadyState == 1 })
	}
	hub.onlyStreams(t, "alice", 1)
	checkCredentialedLeader(t, tabs, hub.url+"/sse")
	want := []shownEvent{{ID: hub.mustPublish(t, `{"clients":["alice"],"data":"by cookie"}`), Type: "message", Data: "by cookie"}}
	for _, st := range tabs {
		st.waitEvents(t, "the event, by cookie", want)
	}
	time.Sleep(300 * time.Millisecond) // time for a second copy, were there one
	for _, st := range tabs {
		st.waitEvents(t, "the event, still once", want)
	}
}

// The cookie case across origins: pages of an application on another port
// of 127.0.0.1 (another origin, the same site: the hub's cookie goes along
// without TLS or SameSite=None) and a hub with -allow-origin for it. Two
// tabs with withCredentials share one stream of the cookie's client and get
// the event; a tab without it shares nothing with them (another stream
// name), sends no cookie and is refused: onerror once, readyState CLOSED.
func TestBrowserSharedEventSourceCookieOtherOrigin(t *testing.T) {
	chromium := chromiumPath(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>an application</title><p>an application on another origin</p>")
	}))
	t.Cleanup(app.Close)
	hub := startTimedHub(t, freeAddr(t), "-store", "bolt:"+filepath.Join(t.TempDir(), "events.db"),
		"-jwt-secret", subscriberSecret, "-allow-origin", app.URL, "-retry", "300ms")
	b := newBrowser(t, chromium)
	login := b.tab(t, "the hub's page")
	login.navigate(t, hub.url+"/healthz")
	setTokenCookie(t, login, subscriberToken(t, "carol", time.Now().Add(time.Hour)))

	tabs := sharedTabs(t, b, app.URL+"/", 3)
	anonymous := tabs[0]
	anonymous.startWith(t, hub.url+"/ssehub.js", hub.url+"/sse")
	anonymous.waitState(t, "onerror, refused without the cookie", func(s sharedState) bool { return s.Errors > 0 })
	credentialed := tabs[1:]
	for _, st := range credentialed {
		st.startInit(t, hub.url+"/ssehub.js", hub.url+"/sse", "{withCredentials: true}")
	}
	for _, st := range credentialed {
		st.waitState(t, "the shared stream open with the cookie, across origins", func(s sharedState) bool { return s.ReadyState == 1 })
	}
	hub.onlyStreams(t, "carol", 1)
	checkCredentialedLeader(t, credentialed, hub.url+"/sse")
	want := []shownEvent{{ID: hub.mustPublish(t, `{"clients":["carol"],"data":"by cookie, across origins"}`), Type: "message", Data: "by cookie, across origins"}}
	for _, st := range credentialed {
		st.waitEvents(t, "the event, by cookie across origins", want)
	}
	time.Sleep(300 * time.Millisecond) // time for a wrong delivery
	if s := anonymous.state(t); s.ReadyState != 2 || !slices.Equal(s.ErrorState, []int{2}) || s.Opens != 0 || len(s.Got) != 0 || s.RealOpens != 1 || s.RealCreds {
		t.Errorf("%s, without withCredentials: readyState %d, onerror with readyState %v, %d opens, %d events, %d real EventSources (withCredentials %v); want 2, [2] (once), none, none, 1 (false)",
			anonymous.name, s.ReadyState, s.ErrorState, s.Opens, len(s.Got), s.RealOpens, s.RealCreds)
	}
}

// setTokenCookie sets the ssehub_token cookie from tb, a page of the hub's
// origin, as the application's login would.
func setTokenCookie(t *testing.T, tb *tab, token string) {
	t.Helper()
	tb.do(t, "set the ssehub_token cookie",
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.cookie = "ssehub_token=" + %q + "; path=/; SameSite=Lax"`, token)))
}

// checkCredentialedLeader checks that the first of tabs leads, with one real
// EventSource at url, credentialed, and that the others opened none.
func checkCredentialedLeader(t *testing.T, tabs []*sharedTab, url string) {
	t.Helper()
	for i, st := range tabs {
		s := st.state(t)
		if s.RealOpens != boolInt(i == 0) {
			t.Errorf("%s: opened %d real EventSources, want %d (the first tab leads)", st.name, s.RealOpens, boolInt(i == 0))
		}
		if i == 0 && (s.RealURL != url || !s.RealCreds) {
			t.Errorf("%s: the real EventSource is %s with withCredentials %v, want %s with true", st.name, s.RealURL, s.RealCreds, url)
		}
	}
}

// sharedTabs opens n tabs of b at page.
func sharedTabs(t *testing.T, b *browser, page string, n int) []*sharedTab {
	t.Helper()
	tabs := make([]*sharedTab, n)
	for i := range tabs {
		tabs[i] = &sharedTab{tab: b.tab(t, fmt.Sprintf("tab %d", i+1))}
		tabs[i].navigate(t, page)
	}
	return tabs
}

// onlyStreams waits until client has n streams, then checks there are no
// more a moment later: time for another tab's stream, were there one.
func (p *hubProcess) onlyStreams(t *testing.T, client string, n int) {
	t.Helper()
	p.waitStreams(t, client, n)
	time.Sleep(300 * time.Millisecond)
	if got := p.streams(t, client).Connections; got != n {
		t.Fatalf("the hub has %d streams of %s, want %d", got, client, n)
	}
}
