package socket

import (
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"
)

// running returns a Watcher whose Run goroutine is stopped, and waited for,
// at the end of the test.
func running(t *testing.T) *Watcher {
	w := NewWatcher(slog.Default())
	var wg sync.WaitGroup
	wg.Go(w.Run)
	t.Cleanup(func() { w.Stop(); wg.Wait() })
	return w
}

// recorder is a HangUpper that counts its reports.
type recorder struct {
	reports chan time.Time
	then    func() // called on a report, if set
}

func newRecorder() *recorder { return &recorder{reports: make(chan time.Time, 16)} }

// watchedPair returns our end of a loopback connection, watched by w for a
// new recorder, and the peer's end.
func watchedPair(t *testing.T, w *Watcher) (*Conn, net.Conn, *recorder) {
	t.Helper()
	c, peer := pair(t)
	r := newRecorder()
	w.Watch(c, r)
	return c, peer, r
}

func (r *recorder) HangUp() {
	r.reports <- time.Now()
	if r.then != nil {
		r.then()
	}
}

// expect waits for one report and returns when it came.
func (r *recorder) expect(t *testing.T) time.Time {
	t.Helper()
	select {
	case at := <-r.reports:
		return at
	case <-time.After(5 * time.Second):
		t.Fatal("no hang-up reported within 5s")
		return time.Time{}
	}
}

// expectNone fails if a report comes within d.
func (r *recorder) expectNone(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-r.reports:
		t.Fatal("an unexpected hang-up report")
	case <-time.After(d):
	}
}

// A peer's hang-up is reported promptly, and once, even when the socket
// goes on changing state afterwards (a write to the closed peer gets a
// reset).
func TestWatcherReportsHangUpOnce(t *testing.T) {
	w := running(t)
	c, peer, r := watchedPair(t, w)
	hungUp := time.Now()
	peer.Close()
	if d := r.expect(t).Sub(hungUp); d > time.Second {
		t.Errorf("hang-up reported after %v", d)
	}
	for range 3 {
		c.TryWrite([]byte("data: x\n\n")) // the peer answers with a reset
		time.Sleep(10 * time.Millisecond)
	}
	r.expectNone(t, 100*time.Millisecond)
	w.Unwatch(c) // after the report: nothing left to do
	c.Close()
}

// An owner that unwatches and closes its Conn from HangUp, as the hub does,
// is not deadlocked by the Watcher.
func TestWatcherHangUpMayUnwatch(t *testing.T) {
	w := running(t)
	c, peer := pair(t)
	r := newRecorder()
	r.then = func() { w.Unwatch(c); c.Close() }
	w.Watch(c, r)
	peer.Close()
	r.expect(t)
	// The Watcher still serves others.
	_, peer2, r2 := watchedPair(t, w)
	peer2.Close()
	r2.expect(t)
}

// A Conn unwatched before it is closed is not reported, whatever happens to
// its socket afterwards.
func TestUnwatchStopsReports(t *testing.T) {
	w := running(t)
	c, peer, r := watchedPair(t, w)
	w.Unwatch(c)
	peer.Close()
	r.expectNone(t, 200*time.Millisecond)
	c.Close()
	r.expectNone(t, 100*time.Millisecond)
}

// Stop ends Run (and goleak checks that nothing else is left running).
func TestStopEndsRun(t *testing.T) {
	w := NewWatcher(slog.Default())
	done := make(chan struct{})
	go func() { w.Run(); close(done) }()
	c, _ := pair(t)
	w.Watch(c, newRecorder())
	w.Stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of Stop")
	}
	w.Unwatch(c)
	c.Close()
}
