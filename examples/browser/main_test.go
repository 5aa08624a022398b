package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ssehub/ssehub/client"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// browserWait bounds each wait for the browser.
const browserWait = 15 * time.Second

// started is the example running on addr, until stop.
type started struct {
	base string
	stop func(t *testing.T)
}

func start(t *testing.T, addr string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, config{addr: addr, logger: slog.New(slog.DiscardHandler), retry: 200 * time.Millisecond,
			ready: func(a net.Addr) { addrs <- a }})
	}()
	var s started
	select {
	case a := <-addrs:
		s.base = "http://" + a.String()
	case err := <-done:
		t.Fatalf("run returned before serving: %v", err)
	case <-time.After(ssetest.Wait):
		t.Fatalf("not serving within %v", ssetest.Wait)
	}
	stopped := false
	s.stop = func(t *testing.T) {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(ssetest.Wait):
			t.Errorf("run did not return within %v of its context ending", ssetest.Wait)
		}
	}
	t.Cleanup(func() { s.stop(t) })
	return &s
}

// The page and the API are served, and the page is what a browser gets.
func TestServes(t *testing.T) {
	s := start(t, "127.0.0.1:0")
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	defer hc.CloseIdleConnections()
	resp := ssetest.Get(t, hc, s.base+"/", nil)
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" || !strings.Contains(string(b), "new EventSource(url)") {
		t.Errorf("GET / answered %q: %.100s", ct, b)
	}
	if _, err := newClient(t, s.base, hc).Clients(context.Background(), 0, ""); err != nil {
		t.Errorf("the API under /api: %v", err)
	}
}

// In Chromium the page shows untyped and typed events (and not those of
// a type it does not listen for), publishes from its form, and after the
// hub restarted without its history shows the reset event and goes on.
func TestBrowserPage(t *testing.T) {
	chromium := chromiumPath(t)
	s := start(t, "127.0.0.1:0")
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	defer hc.CloseIdleConnections()
	c := newClient(t, s.base, hc)
	tab := newTab(t, chromium)
	tab.do(t, chromedp.Navigate(s.base+"/?id=alice&topic=room-1"))
	tab.waitShown(t, "")
	waitStream(t, c)

	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()
	for _, m := range []client.Message{
		{Topics: []string{"room-1"}, Data: []byte("room news")},
		{Clients: []string{"alice"}, Type: "other", Data: []byte("not listened for")},
		{Clients: []string{"alice"}, Type: "chat", Data: []byte("<b>hi</b>")},
	} {
		if _, err := c.Publish(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	tab.waitShown(t, "message: room news|chat: <b>hi</b>")
	if _, err := chromedp.Run(tab.ctx, chromedp.Evaluate[bool](`document.querySelector("#data").value = "from the form"; document.querySelector("#publish").requestSubmit(); true`)); err != nil {
		t.Fatal(err)
	}
	tab.waitShown(t, "message: room news|chat: <b>hi</b>|message: from the form")

	addr := strings.TrimPrefix(s.base, "http://")
	s.stop(t) // the memory history is lost: the page's last id is unknown to the next hub
	s = start(t, addr)
	c = newClient(t, s.base, hc)
	tab.waitShown(t, "message: room news|chat: <b>hi</b>|message: from the form|reset: ")
	waitStream(t, c)
	if _, err := c.Publish(ctx, client.Message{Clients: []string{"alice"}, Type: "chat", Data: []byte("after")}); err != nil {
		t.Fatal(err)
	}
	tab.waitShown(t, "message: room news|chat: <b>hi</b>|message: from the form|reset: |chat: after")
}

func newClient(t *testing.T, base string, hc *http.Client) *client.Client {
	c, err := client.New(base+"/api", client.Options{HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitStream waits until alice's stream is open on the hub.
func waitStream(t *testing.T, c *client.Client) {
	t.Helper()
	deadline := time.Now().Add(browserWait)
	for {
		_, err := c.Client(context.Background(), "alice")
		if err == nil {
			return
		}
		if !errors.Is(err, client.ErrNotFound) || time.Now().After(deadline) {
			t.Fatalf("alice's stream from the page: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// chromiumPath finds Chromium, or skips the test loudly (fails it when
// SSEHUB_REQUIRE_BROWSER is set, as CI does).
func chromiumPath(t *testing.T) string {
	t.Helper()
	return ssetest.Program(t, "SSEHUB_REQUIRE_BROWSER", "the Debian packages chromium and chromium-driver", "chromium", "chromium-browser")
}

type tab struct{ ctx context.Context }

// newTab starts a headless Chromium with a fresh profile, closed when the
// test ends.
func newTab(t *testing.T, path string) *tab {
	t.Helper()
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		defer ccancel()
		chromedp.Cancel(cctx)
		cancel()
		allocCancel()
	})
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }() // the first action's context is the browser's life
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("starting %s: %v", path, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("starting %s: not done within 30s", path)
	}
	return &tab{ctx: ctx}
}

func (tb *tab) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserWait)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// shownScript lists the events the page shows, oldest first, as
// "type: data" joined by "|".
const shownScript = `[...document.querySelectorAll("#events li")].reverse().map(li => li.dataset.type + ": " + (li.dataset.type === "reset" ? "" : li.dataset.data)).join("|")`

// waitShown waits until the page shows exactly want, with its stream open.
func (tb *tab) waitShown(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(browserWait)
	var got, state string
	for {
		ctx, cancel := context.WithTimeout(tb.ctx, browserWait)
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[2]string](`[`+shownScript+`, document.querySelector("#state").textContent]`))
		cancel()
		if err != nil {
			t.Fatalf("reading the page: %v", err)
		}
		got, state = v[0], v[1]
		if got == want && state == "open" {
			return
		}
		if !strings.HasPrefix(want, got) {
			t.Fatalf("the page shows %q, want %q", got, want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page shows %q (%s), want %q (open): not within %v", got, state, want, browserWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
