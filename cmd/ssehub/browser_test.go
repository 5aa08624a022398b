package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/golang-jwt/jwt/v5"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// requireBrowserEnv names the environment variable that turns a missing
// Chromium into a test failure instead of a skip (CI sets it).
const requireBrowserEnv = "SSEHUB_REQUIRE_BROWSER"

// screenshotEnv names the environment variable that, set to a path, makes
// the browser test write its screenshot of the demo page there
// (SSEHUB_SCREENSHOT=$PWD/docs/demo.png for the README's).
const screenshotEnv = "SSEHUB_SCREENSHOT"

// browserWait bounds every wait for the page: a reconnection takes the
// hub's retry delay, and a browser on a loaded CI machine is slow.
const browserWait = 15 * time.Second

// The demo page in a real browser, two tabs as the same client (sharing one
// stream: the page's SharedEventSource), against the real binary on the
// durable store: events published through the API show
// in both; when the hub ends the streams (a kick, then a kill -9 and a
// restart on the same bolt file and address) the page reconnects by itself
// with Last-Event-ID and shows exactly what was published meanwhile, none
// twice; the page's publish form reaches the other tab; a type added on the
// page is listened for; a change of topics reconnects and updates the URL.
func TestBrowserDemoPage(t *testing.T) {
	chromium := chromiumPath(t)
	store := "bolt:" + filepath.Join(t.TempDir(), "events.db")
	addr := freeAddr(t)
	// Ticks on, to see the time broadcast kept out of the event list; a
	// short retry, so that reconnections are quick.
	args := []string{"-store", store, "-retry", "300ms", "-tick", "250ms"}
	hub := startTimedHub(t, addr, args...)

	b := newBrowser(t, chromium)
	url := hub.url + "/?id=alice&topic=room-1"
	tabs := []*tab{b.tab(t, "tab 1"), b.tab(t, "tab 2")}
	for _, tb := range tabs {
		tb.navigate(t, url)
	}
	for _, tb := range tabs {
		tb.waitFor(t, "the stream open", func(v pageView) bool { return v.State == "open" && v.Opens == 1 })
	}
	hub.waitStreams(t, "alice", 1) // the tabs' one shared stream: an event published now reaches both

	// Targeted and topic events; others' events are not shown.
	var want []shownEvent
	publish := func(h *hubProcess, body, typ, data string) {
		t.Helper()
		want = append(want, shownEvent{ID: h.mustPublish(t, body), Type: typ, Data: data})
	}
	other := func(h *hubProcess, body string) {
		t.Helper()
		h.mustPublish(t, body)
	}
	publish(hub, `{"clients":["alice"],"data":"to alice"}`, "message", "to alice")
	other(hub, `{"clients":["bob"],"data":"to bob"}`)
	publish(hub, `{"topics":["room-1"],"event":"chat","data":{"text":"to room-1"}}`, "chat", `{"text":"to room-1"}`)
	other(hub, `{"topics":["room-2"],"data":"to room-2"}`)
	for _, tb := range tabs {
		tb.waitEvents(t, "the targeted and the topic event", want)
	}

	// A kick ends the stream; what is published before the page is back
	// arrives when it is, in both tabs.
	if ended := hub.kick(t, "alice"); ended != 1 {
		t.Errorf("DELETE /clients/alice ended %d streams, want the 2 tabs' shared one", ended)
	}
	publish(hub, `{"clients":["alice"],"data":"after the kick"}`, "message", "after the kick")
	publish(hub, `{"topics":["room-1"],"data":"line one\nline two"}`, "message", "line one\nline two")
	for _, tb := range tabs {
		v := tb.waitEvents(t, "the events published after the kick", want)
		if v.Opens != 2 {
			t.Errorf("%s: the stream opened %d times after one kick, want 2 (it must have reconnected once)", tb.name, v.Opens)
		}
	}
	for _, tb := range tabs {
		tb.waitFor(t, "the stream open after the kick", func(v pageView) bool { return v.State == "open" })
	}

	// kill -9, and a new process on the same address and bolt file: the
	// page retries until it is back, and resumes.
	hub.cmd.Process.Kill()
	<-hub.exited
	for _, tb := range tabs {
		tb.waitFor(t, "the page to see the hub gone", func(v pageView) bool { return v.State == "reconnecting" })
	}
	hub = startTimedHub(t, addr, args...)
	publish(hub, `{"clients":["alice"],"event":"chat","data":"after the restart"}`, "chat", "after the restart")
	publish(hub, `{"topics":["room-1"],"data":"also after the restart"}`, "message", "also after the restart")
	for _, tb := range tabs {
		v := tb.waitEvents(t, "the events published after the restart", want)
		if v.Opens != 3 {
			t.Errorf("%s: the stream opened %d times, want 3 (once more after the restart)", tb.name, v.Opens)
		}
	}
	hub.waitStreams(t, "alice", 1)
	publish(hub, `{"broadcast":true,"data":"live again"}`, "message", "live again")
	for _, tb := range tabs {
		tb.waitEvents(t, "a live event after the restart", want)
	}

	// The publish form of tab 1: to the topic, typed, two lines.
	formData := "from the form\nof tab 1"
	tabs[0].do(t, "fill the publish form",
		chromedp.Click(chromedp.CSS(`input[name="target"][value="topic"]`)),
		chromedp.SetValue(chromedp.ID("publish-topic"), "room-1"),
		chromedp.SetValue(chromedp.ID("publish-data"), formData),
		chromedp.SetValue(chromedp.ID("publish-type"), "chat"),
		chromedp.Click(chromedp.ID("publish-button")),
	)
	v := tabs[0].waitFor(t, "the publish form's receipt", func(v pageView) bool { return v.PublishedID != "" })
	if !strings.HasPrefix(v.PublishResult, "published as id "+v.PublishedID) {
		t.Errorf("the publish form says %q", v.PublishResult)
	}
	want = append(want, shownEvent{ID: v.PublishedID, Type: "chat", Data: formData})
	for _, tb := range tabs {
		tb.waitEvents(t, "the event of the publish form", want)
	}

	// A type added in tab 2 is listened for there, and put in its URL;
	// tab 1 does not listen for it.
	tabs[1].do(t, "add a type",
		chromedp.SetValue(chromedp.ID("new-type"), "typing"),
		chromedp.Click(chromedp.ID("type-button")),
	)
	tabs[1].waitFor(t, "the type in the URL", func(v pageView) bool { return strings.Contains(v.URL, "type=typing") })
	typed := hub.mustPublish(t, `{"clients":["alice"],"event":"typing","data":"alice is typing"}`)
	want1 := slices.Clone(want)
	want2 := append(want, shownEvent{ID: typed, Type: "typing", Data: "alice is typing"})
	end := hub.mustPublish(t, `{"broadcast":true,"data":"the end"}`)
	want1 = append(want1, shownEvent{ID: end, Type: "message", Data: "the end"})
	want2 = append(want2, shownEvent{ID: end, Type: "message", Data: "the end"})
	tabs[0].waitEvents(t, "everything but the typing event", want1)
	v = tabs[1].waitEvents(t, "everything, the typing event too", want2)

	for _, tb := range tabs {
		v := tb.waitFor(t, "a tick of the time broadcast in the clock", func(v pageView) bool { return v.Ticks > 0 })
		t.Logf("%s: %d ticks", tb.name, v.Ticks)
	}

	tabs[1].screenshot(t)

	// Topics changed on the page: it reconnects (afresh: another
	// subscription) and says so in its URL.
	tabs[1].do(t, "change the topics",
		chromedp.SetValue(chromedp.ID("topics"), "room-2"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("topics").dispatchEvent(new Event("change"))`),
	)
	opens := v.Opens
	tabs[1].waitFor(t, "a new stream for room-2", func(v pageView) bool {
		return v.Opens == opens+1 && v.State == "open" && strings.Contains(v.URL, "topic=room-2") && !strings.Contains(v.URL, "room-1")
	})
	hub.waitTopic(t, "alice", "room-2")
	room2 := hub.mustPublish(t, `{"topics":["room-2"],"data":"to room-2 now"}`)
	want2 = append(want2, shownEvent{ID: room2, Type: "message", Data: "to room-2 now"})
	tabs[1].waitEvents(t, "the room-2 event", want2)
}

// The demo page with subscriber tokens and a publish key: without a token
// the hub refuses the stream and the page says why; with the token typed
// in, the page connects as the token's subject (never putting the token in
// its URL); the publish form is refused without the key and publishes with
// it.
func TestBrowserDemoPageTokens(t *testing.T) {
	chromium := chromiumPath(t)
	const secret = "a-subscriber-secret-of-32-bytes!"
	const key = "a-publish-key-for-the-browser-test"
	hub := startTimedHub(t, freeAddr(t), "-jwt-secret", secret, "-publish-key", key, "-retry", "300ms")
	hub.client.Transport = bearer{key: key, base: hub.client.Transport} // the test's own requests
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "alice", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}

	tb := newBrowser(t, chromium).tab(t, "tab")
	tb.navigate(t, hub.url+"/?topic=room-1")
	v := tb.waitFor(t, "the refusal explained", func(v pageView) bool {
		return v.State == "closed" && slices.ContainsFunc(v.Notes, func(n string) bool { return strings.Contains(n, "401") })
	})
	if v.Opens != 0 {
		t.Errorf("the stream opened without a token: %s", v)
	}

	tb.do(t, "type the token",
		chromedp.Click(chromedp.CSS("#token-box summary")),
		chromedp.SetValue(chromedp.ID("token"), tok),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("token").dispatchEvent(new Event("change"))`),
	)
	v = tb.waitFor(t, "the stream open with the token", func(v pageView) bool { return v.State == "open" })
	if strings.Contains(v.URL, tok) || strings.Contains(v.URL, "token") || !strings.Contains(v.URL, "id=alice") {
		t.Errorf("the page's URL is %s: want the token's subject as id, and never the token", v.URL)
	}
	hub.waitStreams(t, "alice", 1)

	publishForm := func(key string) pageView {
		t.Helper()
		tb.do(t, "publish with the form",
			chromedp.Evaluate[chromedp.Void](`document.getElementById("publish-result").textContent = ""; document.getElementById("key-box").open = true`),
			chromedp.Click(chromedp.CSS(`input[name="target"][value="client"]`)),
			chromedp.SetValue(chromedp.ID("publish-data"), "to myself"),
			setValue("publish-key", key), // SetValue cannot set ""
			chromedp.Click(chromedp.ID("publish-button")),
		)
		return tb.waitFor(t, "the publish form's answer", func(v pageView) bool {
			return v.PublishResult != "" && v.PublishResult != "publishing…"
		})
	}
	if v := publishForm(""); !strings.HasPrefix(v.PublishResult, "refused: 401") {
		t.Errorf("publishing without the key: the page says %q, want a 401 refusal", v.PublishResult)
	}
	v = publishForm(key)
	if v.PublishedID == "" {
		t.Fatalf("publishing with the key: the page says %q", v.PublishResult)
	}
	tb.waitEvents(t, "the event published with the key", []shownEvent{{ID: v.PublishedID, Type: "message", Data: "to myself"}})
	if log := hub.stderr.String(); strings.Contains(log, tok) || strings.Contains(log, key) {
		t.Errorf("the token or the key is in the hub's log:\n%s", log)
	}
}

// setValue sets the value of the element with id, in the page's script.
func setValue(id, value string) chromedp.Action[chromedp.Void] {
	js, _ := json.Marshal(value)
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%q).value = %s`, id, js))
}

// A stream refused for a passing reason (the client's share of streams, 429
// with Retry-After) is explained on the page, which tries again by itself
// later: an EventSource alone gives up on any status but 200. The second
// tab asks for another stream of alice (a topic more: another URL, which
// tabs do not share), over alice's share of one.
func TestBrowserDemoPageRefused(t *testing.T) {
	chromium := chromiumPath(t)
	hub := startTimedHub(t, freeAddr(t), "-max-streams-per-client", "1")
	b := newBrowser(t, chromium)
	first, second := b.tab(t, "tab 1"), b.tab(t, "tab 2")
	first.navigate(t, hub.url+"/?id=alice")
	first.waitFor(t, "the stream open", func(v pageView) bool { return v.State == "open" })
	hub.waitStreams(t, "alice", 1)
	second.navigate(t, hub.url+"/?id=alice&topic=room-1")
	second.waitFor(t, "the refusal explained, and a retry planned", func(v pageView) bool {
		return v.State == "closed" && slices.ContainsFunc(v.Notes, func(n string) bool {
			return strings.Contains(n, "429") && strings.Contains(n, "trying again in 10 s")
		})
	})
}

// bearer sends a publish key with every request.
type bearer struct {
	key  string
	base http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return b.base.RoundTrip(r)
}

func (b bearer) CloseIdleConnections() {
	if c, ok := b.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// chromiumPath finds Chromium, or skips the test loudly (fails it when
// SSEHUB_REQUIRE_BROWSER is set).
func chromiumPath(t *testing.T) string {
	t.Helper()
	return ssetest.Program(t, requireBrowserEnv, "the Debian packages chromium and chromium-driver", "chromium", "chromium-browser")
}

// browser is a headless Chromium with a fresh profile, closed when the test
// ends; newBrowser's extra options are added to its command line.
type browser struct {
	ctx    context.Context // the first tab's chromedp context
	output *lockedBuffer   // the browser's stdout and stderr
	tabs   int
}

func newBrowser(t *testing.T, path string, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	b := &browser{output: new(lockedBuffer)}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Both tabs are watched at once: neither may be slowed down as
		// a background tab.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 900),
		chromedp.CombinedOutput(b.output),
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(func(format string, args ...any) {
		fmt.Fprintf(b.output, "chromedp: "+format+"\n", args...)
	}))
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		defer ccancel()
		if err := chromedp.Cancel(cctx); err != nil {
			t.Logf("closing the browser: %v", err)
		}
		cancel()
		allocCancel()
	})
	b.ctx = ctx
	b.start(t, ctx, "starting "+path)
	return b
}

// start runs the first action on a chromedp context, which starts the
// browser or opens the tab. The context of that first action is the life
// of what it starts, so it runs on ctx itself and only the wait is bounded.
func (b *browser) start(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	timer := time.NewTimer(30 * time.Second)
	defer timer.Stop()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("%s: %v\n%s", what, err, b.log())
		}
	case <-timer.C:
		t.Fatalf("%s: not done within 30s\n%s", what, b.log())
	}
}

// log is the browser's output, without the complaints of a machine with no
// D-Bus.
func (b *browser) log() string {
	var out []string
	for line := range strings.Lines(b.output.String()) {
		if !strings.Contains(line, "dbus") && !strings.Contains(line, "unexpected operator") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

// tab is one tab of the browser, showing the demo page.
type tab struct {
	name string
	ctx  context.Context
	b    *browser
}

// tab returns the browser's first tab, then a new one at each call.
func (b *browser) tab(t *testing.T, name string) *tab {
	t.Helper()
	b.tabs++
	if b.tabs == 1 {
		return &tab{name: name, ctx: b.ctx, b: b}
	}
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel) // closes the tab, before the browser closes
	b.start(t, ctx, "opening "+name)
	return &tab{name: name, ctx: ctx, b: b}
}

// do runs actions in the tab, within browserWait.
func (tb *tab) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserWait)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %s: %v\n%s", tb.name, what, err, tb.b.log())
	}
}

func (tb *tab) navigate(t *testing.T, url string) {
	t.Helper()
	tb.do(t, "open "+url, chromedp.Navigate(url))
}

// shownEvent is an event as the page lists it.
type shownEvent struct {
	ID   string `json:"id"` // "" for an event without an id
	Type string `json:"type"`
	Data string `json:"data"`
}

func (e shownEvent) String() string {
	return fmt.Sprintf("{id %s, type %s, data %q}", e.ID, e.Type, e.Data)
}

// pageView is what the page shows, read from its DOM.
type pageView struct {
	State         string       `json:"state"`  // connecting, open, reconnecting, closed
	LastID        string       `json:"lastId"` // the newest event id seen
	Opens         int          `json:"opens"`  // how many times a stream opened
	Ticks         int          `json:"ticks"`  // time broadcasts shown in the clock
	URL           string       `json:"url"`
	Events        []shownEvent `json:"events"` // oldest first
	Notes         []string     `json:"notes"`  // the page's connection notes, oldest first
	PublishResult string       `json:"publishResult"`
	PublishedID   string       `json:"publishedId"`
}

func (v pageView) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "state %s, last id %q, %d opens, %d ticks, URL %s, publish result %q", v.State, v.LastID, v.Opens, v.Ticks, v.URL, v.PublishResult)
	fmt.Fprintf(&b, "\n\tevents:")
	for _, e := range v.Events {
		fmt.Fprintf(&b, "\n\t\t%s", e)
	}
	fmt.Fprintf(&b, "\n\tnotes:")
	for _, n := range v.Notes {
		fmt.Fprintf(&b, "\n\t\t%s", n)
	}
	return b.String()
}

// viewScript reads a pageView from the page: what a person sees, by the
// data attributes the page marks it with.
const viewScript = `(() => {
	const body = document.body;
	const result = document.getElementById("publish-result");
	const items = Array.from(document.querySelectorAll("#events > li")).reverse();
	return {
		state: body.dataset.state || "",
		lastId: body.dataset.lastId || "",
		opens: Number(body.dataset.opens || 0),
		ticks: Number(document.getElementById("clock").dataset.ticks || 0),
		url: location.href,
		events: items.filter(li => li.classList.contains("event")).map(li => ({
			id: li.dataset.id || "",
			type: li.dataset.type || "",
			data: li.querySelector(".data").textContent,
		})),
		notes: items.filter(li => li.classList.contains("note")).map(li => li.textContent),
		publishResult: result.textContent,
		publishedId: result.dataset.id || "",
	};
})()`

func (tb *tab) view(t *testing.T) pageView {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserWait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[pageView](viewScript))
	if err != nil {
		t.Fatalf("%s: reading the page: %v\n%s", tb.name, err, tb.b.log())
	}
	return v
}

// waitFor polls the page until cond holds, failing the test with what the
// page shows if it does not within browserWait.
func (tb *tab) waitFor(t *testing.T, what string, cond func(pageView) bool) pageView {
	t.Helper()
	deadline := time.Now().Add(browserWait)
	for {
		v := tb.view(t)
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: waiting for %s: not within %v; the page shows %s", tb.name, what, browserWait, v)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitEvents waits until the page lists exactly want: once each, in order,
// nothing else (the time broadcast stays out of the list). It fails at once
// if the list is ever not a prefix of want: an event shown twice, out of
// order, or not for this client.
func (tb *tab) waitEvents(t *testing.T, what string, want []shownEvent) pageView {
	t.Helper()
	return tb.waitFor(t, what, func(v pageView) bool {
		if len(v.Events) > len(want) || !slices.Equal(v.Events, want[:len(v.Events)]) {
			t.Fatalf("%s: waiting for %s: the page lists events it must not (twice, out of order, or not for it):\n%s\nwant:%s", tb.name, what, v, fmtShown(want))
		}
		return len(v.Events) == len(want)
	})
}

func fmtShown(evs []shownEvent) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "\n\t\t%s", e)
	}
	return b.String()
}

// screenshot takes a picture of the whole page, checks it is a PNG about
// 1000 pixels wide, and writes it to $SSEHUB_SCREENSHOT if set.
func (tb *tab) screenshot(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserWait)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
		t.Fatalf("%s: scrolling: %v", tb.name, err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("%s: screenshot: %v\n%s", tb.name, err, tb.b.log())
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("%s: the screenshot is not a PNG: %v", tb.name, err)
	}
	if cfg.Width < 900 || cfg.Width > 1100 || cfg.Height < 300 {
		t.Errorf("%s: the screenshot is %dx%d, want about 1000 wide", tb.name, cfg.Width, cfg.Height)
	}
	if path := os.Getenv(screenshotEnv); path != "" {
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatalf("writing the screenshot: %v", err)
		}
		t.Logf("screenshot (%dx%d) written to %s", cfg.Width, cfg.Height, path)
	}
}

// clientStreams is GET /clients/{id}'s answer.
type clientStreams struct {
	Connections int `json:"connections"`
	Streams     []struct {
		Topics []string `json:"topics"`
	} `json:"streams"`
}

// streams returns what the hub says of client's streams (none: 404).
func (p *hubProcess) streams(t *testing.T, client string) clientStreams {
	t.Helper()
	resp, err := p.client.Get(p.url + "/clients/" + client)
	if err != nil {
		t.Fatalf("GET /clients/%s: %v", client, err)
	}
	defer resp.Body.Close()
	var cs clientStreams
	switch resp.StatusCode {
	case http.StatusNotFound:
	case http.StatusOK:
		if err := json.NewDecoder(resp.Body).Decode(&cs); err != nil {
			t.Fatalf("GET /clients/%s: %v", client, err)
		}
	default:
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /clients/%s: %d %s", client, resp.StatusCode, b)
	}
	return cs
}

// waitStreams waits until client has n streams registered with the hub.
func (p *hubProcess) waitStreams(t *testing.T, client string, n int) {
	t.Helper()
	p.waitClient(t, fmt.Sprintf("%d streams of %s", n, client), client, func(cs clientStreams) bool { return cs.Connections == n })
}

// waitTopic waits until one of client's streams is subscribed to topic.
func (p *hubProcess) waitTopic(t *testing.T, client, topic string) {
	t.Helper()
	p.waitClient(t, "a stream of "+client+" on "+topic, client, func(cs clientStreams) bool {
		for _, s := range cs.Streams {
			if slices.Contains(s.Topics, topic) {
				return true
			}
		}
		return false
	})
}

func (p *hubProcess) waitClient(t *testing.T, what, client string, cond func(clientStreams) bool) {
	t.Helper()
	deadline := time.Now().Add(browserWait)
	for {
		cs := p.streams(t, client)
		if cond(cs) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: not within %v; the hub has %+v", what, browserWait, cs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kick ends every stream of client (DELETE /clients/{id}) and returns how
// many it ended.
func (p *hubProcess) kick(t *testing.T, client string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodDelete, p.url+"/clients/"+client, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatalf("DELETE /clients/%s: %v", client, err)
	}
	defer resp.Body.Close()
	var r struct {
		Ended int `json:"ended"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&r) != nil {
		t.Fatalf("DELETE /clients/%s: status %d", client, resp.StatusCode)
	}
	return r.Ended
}

// mustPublish publishes body and returns its event id, failing the test if
// the hub does not acknowledge it.
func (p *hubProcess) mustPublish(t *testing.T, body string) string {
	t.Helper()
	id := p.publishJSON(body)
	if id == "" {
		t.Fatalf("publish %s: not acknowledged\n%s", body, p.stderr)
	}
	return id
}

// startTimedHub is startHubAt whose client gives up on a request after
// browserWait: these tests read no stream through it, and a stuck publish
// must fail the test, not hang it.
func startTimedHub(t *testing.T, addr string, args ...string) *hubProcess {
	t.Helper()
	p := startHubAt(t, addr, args...)
	p.client.Timeout = browserWait
	return p
}
