package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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

// sharedScript imports the module and opens url, recording what it
// delivers in window.got and counting the real EventSources the page opens
// (the browser's own, counted on the way).
const sharedScript = `(async (url) => {
  window.got = []; window.opens = 0; window.errors = 0; window.realOpens = 0;
  const Native = window.EventSource;
  window.EventSource = class extends Native {
    constructor(u, init) { super(u, init); window.realOpens++; window.real = this; }
  };
  const { SharedEventSource } = await import("/ssehub.js");
  const es = new SharedEventSource(url);
  window.es = es;
  const push = (e) => window.got.push({ id: e.lastEventId, type: e.type, data: e.data });
  es.onopen = () => window.opens++;
  es.onerror = () => window.errors++;
  es.onmessage = push;
  es.addEventListener("chat", push);
})(%q)`

func (st *sharedTab) start(t *testing.T, url string) {
	t.Helper()
	st.do(t, "import /ssehub.js and open "+url,
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(sharedScript, url), chromedp.EvalAwaitPromise))
}

// sharedState is what a tab's SharedEventSource did.
type sharedState struct {
	ReadyState int          `json:"readyState"`
	Opens      int          `json:"opens"`
	Errors     int          `json:"errors"`
	Got        []shownEvent `json:"got"`
	RealOpens  int          `json:"realOpens"` // real EventSources this tab opened
	RealState  int          `json:"realState"` // the last one's readyState (-1: none)
	RealURL    string       `json:"realURL"`
}

func (st *sharedTab) state(t *testing.T) sharedState {
	t.Helper()
	ctx, cancel := context.WithTimeout(st.ctx, browserWait)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[sharedState](`({
  readyState: window.es.readyState, opens: window.opens, errors: window.errors, got: window.got,
  realOpens: window.realOpens, realState: window.real ? window.real.readyState : -1, realURL: window.real ? window.real.url : ""
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
