package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/internal/tlstest"
)

// measureTabsEnv names the environment variable that runs TestMeasureTabs,
// the measurement behind docs/PERFORMANCE.md's "Many tabs".
const measureTabsEnv = "SSEHUB_MEASURE_TABS"

// tabsPerProfile is how many tabs of one browser profile are measured.
const tabsPerProfile = 4

// handOvers is how many times the leader's tab is closed.
const handOvers = 20

// tabsProtocol is how the hub is reached: Chromium's name for the protocol
// (nextHopProtocol) and the hub's extra flags.
type tabsProtocol struct {
	name, hop string
	args      []string
}

// slug is the protocol's name in a subtest's: "http1", "http2".
func (p tabsProtocol) slug() string {
	return "http" + strings.TrimPrefix(strings.TrimSuffix(p.name, ".1"), "HTTP/")
}

// The hub's streams and memory for four tabs of one profile, with the
// native EventSource and with SharedEventSource, over HTTP/1.1 and over
// HTTP/2 (TLS); and the hand-over time, from the leader's tab closed to the
// next leader's EventSource open, over 20 hand-overs. It is a measurement,
// not a check, and runs only when asked
// (SSEHUB_MEASURE_TABS=1 go test -count=1 -run '^TestMeasureTabs$' -v ./cmd/ssehub,
// -count=1 as go test would otherwise show a cached run's figures);
// it still fails when what it measures is wrong: 4 streams where 1 is
// expected, a tab without the event, a hand-over over 3 s.
func TestMeasureTabs(t *testing.T) {
	if os.Getenv(measureTabsEnv) == "" {
		t.Skipf("a measurement, not a check: set %s=1 to run it (its figures are in docs/PERFORMANCE.md)", measureTabsEnv)
	}
	chromium := chromiumPath(t)
	cert, key := tlstest.Get(t).Files(t)
	protocols := []tabsProtocol{
		{name: "HTTP/1.1", hop: "http/1.1"},
		{name: "HTTP/2", hop: "h2", args: []string{"-tls-cert", cert, "-tls-key", key}},
	}
	var rows, handRows []string
	for _, p := range protocols {
		for _, shared := range []bool{false, true} {
			name := p.slug() + "-native"
			if shared {
				name = p.slug() + "-shared"
			}
			t.Run(name, func(t *testing.T) {
				rows = append(rows, measureStreams(t, chromium, p, shared))
			})
		}
	}
	for _, p := range protocols {
		t.Run(p.slug()+"-hand-over", func(t *testing.T) {
			handRows = append(handRows, measureHandOvers(t, chromium, p))
		})
	}
	t.Logf("results, four tabs:\n%s\n%s\n\nresults, hand-overs (close → next leader's EventSource open):\n%s",
		"| protocol | the tabs use | streams open (ssehub_streams_open) | the browser's TCP connections to the hub | hub VmRSS before → after | Go heap in use before → after |\n|---|---|---|---|---|---|",
		strings.Join(rows, "\n"), strings.Join(handRows, "\n"))
}

// measureStreams opens four tabs on a fresh hub and browser, each with a
// native EventSource or a SharedEventSource, checks the hub's stream count
// and that every tab gets an event, and returns a line of figures.
func measureStreams(t *testing.T, chromium string, p tabsProtocol, shared bool) string {
	hub := startTimedHub(t, freeAddr(t), p.args...)
	b := newBrowser(t, chromium, chromedp.Flag("ignore-certificate-errors", true))
	var tabs []*sharedTab
	for i := range tabsPerProfile {
		st := openSharedTab(t, b, fmt.Sprintf("tab %d", i+1))
		openMeasuredPage(t, st, hub, p)
		tabs = append(tabs, st)
	}
	warmUp(t, hub)
	time.Sleep(time.Second)
	before := measureHub(t, hub)

	for _, st := range tabs {
		if shared {
			st.start(t, "/sse?id=alice")
		} else {
			st.do(t, "open a native EventSource",
				chromedp.Evaluate[chromedp.Void](fmt.Sprintf(nativeScript, "/sse?id=alice")))
		}
	}
	for _, st := range tabs {
		st.waitState(t, "the stream open", func(s sharedState) bool { return s.ReadyState == 1 })
	}
	want := tabsPerProfile
	if shared {
		want = 1
	}
	hub.waitStreams(t, "alice", want)
	id := hub.mustPublish(t, `{"clients":["alice"],"data":"to every tab"}`)
	for _, st := range tabs {
		st.waitEvents(t, "the event", []shownEvent{{ID: id, Type: "message", Data: "to every tab"}})
	}
	time.Sleep(time.Second) // settled: and time for a stream too many to show
	after := measureHub(t, hub)
	if n := hub.streams(t, "alice").Connections; n != want {
		t.Fatalf("%d tabs: the hub has %d streams of alice, want %d", tabsPerProfile, n, want)
	}
	if after.streams != want {
		t.Fatalf("%d tabs: /metrics says %d streams open (%s), want %d", tabsPerProfile, after.streams, after.protocols, want)
	}
	kind := "native EventSource"
	if shared {
		kind = "SharedEventSource"
	}
	return fmt.Sprintf("| %s | %s | %d (%s) | %d | %d → %d KiB (%+d) | %d → %d KiB (%+d) |",
		p.name, kind, after.streams, after.protocols, browserConns(t, hub),
		before.rssKiB, after.rssKiB, after.rssKiB-before.rssKiB,
		before.heapKiB, after.heapKiB, after.heapKiB-before.heapKiB)
}

// openMeasuredPage shows a page of the hub's origin in the tab and checks
// it came over the protocol measured, in a secure context (Web Locks).
func openMeasuredPage(t *testing.T, st *sharedTab, hub *hubProcess, p tabsProtocol) {
	t.Helper()
	st.navigate(t, hub.url+"/healthz")
	ctx, cancel := chromedpTimeout(st)
	defer cancel()
	page, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Hop    string `json:"hop"`
		Secure bool   `json:"secure"`
		Locks  bool   `json:"locks"`
	}](`({hop: performance.getEntriesByType("navigation")[0].nextHopProtocol, secure: window.isSecureContext, locks: !!navigator.locks})`))
	if err != nil {
		t.Fatalf("%s: reading the page: %v", st.name, err)
	}
	if page.Hop != p.hop || !page.Secure || !page.Locks {
		t.Fatalf("%s: the page came over %q, secure context %v, Web Locks %v: want %q, true, true", st.name, page.Hop, page.Secure, page.Locks, p.hop)
	}
}

// warmUp opens a stream from the test, publishes an event to it and closes
// it, and reads /metrics, so that what the hub allocates once, at its first
// stream, publish and scrape (about 1.8 MiB of RSS), is in the figures
// before the tabs' streams open.
func warmUp(t *testing.T, hub *hubProcess) {
	t.Helper()
	s := ssetest.OpenRegistered(t, hub.client, hub.url+"/sse?id=warm-up", nil)
	hub.mustPublish(t, `{"clients":["warm-up"],"data":"warm-up"}`)
	s.Expect(t, "warm-up")
	s.Close()
	hub.waitStreams(t, "warm-up", 0)
	measureHub(t, hub)
}

// browserConns counts the TCP connections established to the hub's port
// from elsewhere than the test's own client (whose idle ones it closes
// first): the browser's, from /proc/net/tcp.
func browserConns(t *testing.T, hub *hubProcess) int {
	t.Helper()
	hub.client.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond)
	_, portText, _ := strings.Cut(hub.addr, ":")
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatalf("the hub's address %s: %v", hub.addr, err)
	}
	local := fmt.Sprintf(":%04X ", port)
	n := 0
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(b)) {
			// sl local_address rem_address st ...: 01 is ESTABLISHED.
			f := strings.Fields(line)
			if len(f) > 3 && strings.HasSuffix(f[1]+" ", local) && f[3] == "01" {
				n++
			}
		}
	}
	return n
}

// nativeScript opens a plain EventSource, recording as sharedScript does.
const nativeScript = `((url) => {
  window.got = []; window.opens = 0; window.errors = 0; window.realOpens = 1;
  const es = new EventSource(url);
  window.es = es; window.real = es;
  es.onopen = () => window.opens++;
  es.onerror = () => window.errors++;
  es.onmessage = (e) => window.got.push({ id: e.lastEventId, type: e.type, data: e.data });
})(%q)`

// hubFigures is what the hub process uses.
type hubFigures struct {
	rssKiB, heapKiB int    // VmRSS; the Go heap in use
	streams         int    // ssehub_streams_open, over every protocol
	protocols       string // the protocols with streams open
}

// measureHub reads the hub process's VmRSS and its /metrics.
func measureHub(t *testing.T, hub *hubProcess) hubFigures {
	t.Helper()
	var f hubFigures
	f.rssKiB = vmRSS(t, hub.cmd.Process.Pid)
	code, body := scrape(t, hub.client, hub.url+"/metrics", "")
	if code != 200 {
		t.Fatalf("GET /metrics: %d", code)
	}
	var protocols []string
	for line := range strings.Lines(body) {
		name, value, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(name, "ssehub_streams_open{"):
			f.streams += int(v)
			if v > 0 {
				protocols = append(protocols, fmt.Sprintf("%s %d", strings.TrimSuffix(strings.TrimPrefix(name, `ssehub_streams_open{protocol="`), `"}`), int(v)))
			}
		case name == "go_memstats_heap_inuse_bytes":
			f.heapKiB = int(v) / 1024
		}
	}
	f.protocols = strings.Join(protocols, ", ")
	return f
}

// vmRSS is the process's resident memory in KiB, from /proc.
func vmRSS(t *testing.T, pid int) int {
	t.Helper()
	file, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kib, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				t.Fatalf("VmRSS %q: %v", rest, err)
			}
			return kib
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// stampScript, run before sharedScript, stamps the moment (Date.now(), ms
// since the epoch, as the test's clock) the tab's first real EventSource
// fires open: in a SharedEventSource, the moment the tab leads.
const stampScript = `(() => {
  window.ledAt = 0;
  const Native = window.EventSource;
  window.EventSource = class extends Native {
    constructor(u, init) {
      super(u, init);
      this.addEventListener("open", () => { if (!window.ledAt) window.ledAt = Date.now(); });
    }
  };
})()`

// measureHandOvers keeps four SharedEventSource tabs open and closes the
// leader's tab 20 times, opening a new tab each time; each hand-over is
// from just before the close to the next leader's EventSource open, as the
// page stamps it. It returns a line of figures.
func measureHandOvers(t *testing.T, chromium string, p tabsProtocol) string {
	hub := startTimedHub(t, freeAddr(t), p.args...)
	b := newBrowser(t, chromium, chromedp.Flag("ignore-certificate-errors", true))
	opened := 0
	open := func() *sharedTab {
		opened++
		st := openSharedTab(t, b, fmt.Sprintf("tab %d", opened))
		openMeasuredPage(t, st, hub, p)
		st.do(t, "stamp the lead", chromedp.Evaluate[chromedp.Void](stampScript))
		st.start(t, "/sse?id=alice")
		st.waitState(t, "the shared stream open", func(s sharedState) bool { return s.ReadyState == 1 })
		return st
	}
	var tabs []*sharedTab
	for range tabsPerProfile {
		tabs = append(tabs, open())
	}
	hub.waitStreams(t, "alice", 1)
	leader := 0 // Web Locks grant in the order asked: tab 1 leads

	var took []time.Duration
	for i := range handOvers {
		if ledAt(t, tabs[leader]) == 0 {
			t.Fatalf("hand-over %d: %s does not lead", i+1, tabs[leader].name)
		}
		closed := time.Now()
		tabs[leader].closeTab()
		tabs = slices.Delete(tabs, leader, leader+1)
		deadline := closed.Add(browserWait)
		for leader = -1; leader < 0; {
			var leaders []string
			for j, st := range tabs {
				if at := ledAt(t, st); at != 0 {
					leaders = append(leaders, st.name)
					took = append(took, time.UnixMilli(at).Sub(closed))
					leader = j
				}
			}
			if len(leaders) > 1 {
				t.Fatalf("hand-over %d: %d tabs lead: %v", i+1, len(leaders), leaders)
			}
			if leader < 0 && time.Now().After(deadline) {
				t.Fatalf("hand-over %d: no tab leads %v after the leader's tab closed", i+1, browserWait)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if d := took[len(took)-1]; d > handOverWithin {
			t.Errorf("hand-over %d took %v, over %v", i+1, d, handOverWithin)
		}
		tabs = append(tabs, open())
		hub.waitStreams(t, "alice", 1)
		time.Sleep(200 * time.Millisecond)
	}

	// Still one stream, reaching every tab once.
	id := hub.mustPublish(t, `{"clients":["alice"],"data":"after the hand-overs"}`)
	for _, st := range tabs {
		s := st.waitState(t, "the event after the hand-overs", func(s sharedState) bool {
			return slices.ContainsFunc(s.Got, func(e shownEvent) bool { return e.ID == id })
		})
		if n := len(slices.DeleteFunc(s.Got, func(e shownEvent) bool { return e.ID != id })); n != 1 {
			t.Errorf("%s: the event after the hand-overs %d times, want once", st.name, n)
		}
	}
	if n := hub.streams(t, "alice").Connections; n != 1 {
		t.Errorf("after %d hand-overs the hub has %d streams of alice, want 1", handOvers, n)
	}

	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	sorted := slices.Clone(took)
	slices.Sort(sorted)
	var all []string
	for _, d := range took {
		all = append(all, fmt.Sprintf("%.0f", ms(d)))
	}
	return fmt.Sprintf("| %s | hand-over, %d times | p50 %.0f ms, p99 %.0f ms (min %.0f, max %.0f) | all: %s ms |",
		p.name, len(took), ms(percentile(sorted, 50)), ms(percentile(sorted, 99)), ms(sorted[0]), ms(sorted[len(sorted)-1]), strings.Join(all, " "))
}

// ledAt is the tab's stamp of its lead, 0 if it has not led.
func ledAt(t *testing.T, st *sharedTab) int64 {
	t.Helper()
	ctx, cancel := chromedpTimeout(st)
	defer cancel()
	at, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.ledAt`))
	if err != nil {
		t.Fatalf("%s: reading the page: %v\n%s", st.name, err, st.b.log())
	}
	return int64(at)
}

// percentile is the nearest-rank percentile of sorted: of 20 samples, p50
// is the 10th and p99 the 20th, the largest.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}

// chromedpTimeout bounds a read of the tab by browserWait.
func chromedpTimeout(st *sharedTab) (context.Context, context.CancelFunc) {
	return context.WithTimeout(st.ctx, browserWait)
}
