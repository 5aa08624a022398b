package redis

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/recent"
	"github.com/ssehub/ssehub/internal/redistest"
	"github.com/ssehub/ssehub/store"
)

// waitFor bounds every wait of these tests for something that must happen.
const waitFor = 5 * time.Second

// A logEnv is a real redis-server and a client of it, for the Log tests.
type logEnv struct {
	srv    *redistest.Server
	client goredis.UniversalClient
}

func newLogEnv(t testing.TB) *logEnv {
	t.Helper()
	srv := redistest.Start(t)
	return &logEnv{srv: srv, client: dialLogTest(t, srv)}
}

// dialLogTest dials srv as the hub does (Dial) and closes the client when
// t ends.
func dialLogTest(t testing.TB, srv *redistest.Server) *goredis.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	client, err := Dial(ctx, srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

var logPrefixes atomic.Int64

// freshPrefix returns a key prefix no other log of the test binary uses.
func freshPrefix() string { return fmt.Sprintf("test%d", logPrefixes.Add(1)) }

var (
	defaultTuning = logTuning{maxDropped: store.DefaultDroppedKeys, recent: recent.MaxEntries}
	noCache       = logTuning{maxDropped: store.DefaultDroppedKeys} // every read goes to Redis
)

// open opens a log under prefix, closed when t ends.
func (e *logEnv) open(t testing.TB, prefix string, r ssehub.Retention) (*Log, *logRecorder) {
	t.Helper()
	return e.openTuned(t, prefix, r, defaultTuning)
}

func (e *logEnv) openTuned(t testing.TB, prefix string, r ssehub.Retention, tune logTuning) (*Log, *logRecorder) {
	t.Helper()
	rec := &logRecorder{}
	l, err := newLog(context.Background(), e.client, LogOptions{Prefix: prefix, Retention: r, Logger: rec.logger()}, tune)
	if err != nil {
		t.Fatal(err)
	}
	l.Listen(rec)
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l, rec
}

// A logRecorder is a Listener that records what it gets, and a slog
// handler that records the log's messages.
type logRecorder struct {
	mu      sync.Mutex
	entries []*ssehub.Entry
	tickets []ssehub.Ticket
	skips   []uint64
	events  []string // "deliver <seq>" and "skip <through>", in order
	logs    []slog.Record

	// hook, when set, is called by Deliver first.
	hook atomic.Pointer[func(*ssehub.Entry)]
}

func (r *logRecorder) Deliver(e *ssehub.Entry, ticket ssehub.Ticket) {
	if hook := r.hook.Load(); hook != nil {
		(*hook)(e)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, e)
	r.tickets = append(r.tickets, ticket)
	r.events = append(r.events, fmt.Sprintf("deliver %d", e.Seq))
}

func (r *logRecorder) Skip(through uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.skips = append(r.skips, through)
	r.events = append(r.events, fmt.Sprintf("skip %d", through))
}

// delivered returns a copy of the entries delivered so far.
func (r *logRecorder) delivered() []*ssehub.Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*ssehub.Entry(nil), r.entries...)
}

// ticket returns the ticket the listener got with entry seq, and whether it
// got entry seq.
func (r *logRecorder) ticket(seq uint64) (ssehub.Ticket, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, e := range r.entries {
		if e.Seq == seq {
			return r.tickets[i], true
		}
	}
	return 0, false
}

func (r *logRecorder) skipped() []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]uint64(nil), r.skips...)
}

// waitSeq waits until the listener has been given seq (delivered or
// skipped through), and fails t if it is not within waitFor.
func (r *logRecorder) waitSeq(t testing.TB, seq uint64) {
	t.Helper()
	r.waitSeqWithin(t, seq, waitFor)
}

// waitSeqWithin is waitSeq with another bound.
func (r *logRecorder) waitSeqWithin(t testing.TB, seq uint64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		r.mu.Lock()
		reached := len(r.entries) > 0 && r.entries[len(r.entries)-1].Seq >= seq ||
			len(r.skips) > 0 && r.skips[len(r.skips)-1] >= seq
		events := append([]string(nil), r.events...)
		r.mu.Unlock()
		if reached {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the listener did not get entry %d within %v; it got %v", seq, within, tail(events, 10))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkContinuity fails t unless every seq from first to the last one given
// was delivered once, in order, or skipped: the listener never has a gap
// it was not told of.
func (r *logRecorder) checkContinuity(t testing.TB, first uint64) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	at := first - 1
	for _, ev := range r.events {
		var seq uint64
		if _, err := fmt.Sscanf(ev, "deliver %d", &seq); err == nil {
			if seq != at+1 {
				t.Errorf("the listener got entry %d after %d, with no Skip between (events %v)", seq, at, tail(r.events, 10))
				return
			}
			at = seq
			continue
		}
		fmt.Sscanf(ev, "skip %d", &seq)
		if seq < at {
			t.Errorf("Skip(%d) after entry %d: Skip must not go back", seq, at)
			return
		}
		at = seq
	}
}

// eventually waits until cond holds, and fails t if it does not within
// waitFor.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, waitFor)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func tail(s []string, n int) []string { return s[max(0, len(s)-n):] }

func (r *logRecorder) logger() *slog.Logger { return slog.New(recordHandler{r}) }

// logged returns the messages logged at level or above.
func (r *logRecorder) logged(level slog.Level) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var msgs []string
	for _, rec := range r.logs {
		if rec.Level >= level {
			msgs = append(msgs, rec.Message)
		}
	}
	return msgs
}

type recordHandler struct{ r *logRecorder }

func (h recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordHandler) Handle(_ context.Context, rec slog.Record) error {
	h.r.mu.Lock()
	h.r.logs = append(h.r.logs, rec.Clone())
	h.r.mu.Unlock()
	return nil
}
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordHandler) WithGroup(string) slog.Handler      { return h }

func broadcastMsg(text string) *ssehub.Message {
	return &ssehub.Message{Broadcast: true, Data: []byte(text)}
}

func mustAppendLog(t testing.TB, l *Log, m *ssehub.Message) *ssehub.Entry {
	t.Helper()
	e, err := l.Append(context.Background(), m, 0)
	if err != nil {
		t.Fatalf("Append %q: %v", m.Data, err)
	}
	return e
}

// readAll returns the entries ReadAfter(after, sub) reads, and its head
// and error.
func readAll(l *Log, after uint64, sub *ssehub.Subscription) ([]*ssehub.Entry, uint64, error) {
	var got []*ssehub.Entry
	head, err := l.ReadAfter(context.Background(), after, sub, func(e *ssehub.Entry) error {
		got = append(got, e)
		return nil
	})
	return got, head, err
}

func seqsOf(es []*ssehub.Entry) []uint64 {
	s := make([]uint64, len(es))
	for i, e := range es {
		s[i] = e.Seq
	}
	return s
}
