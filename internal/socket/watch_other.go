//go:build !linux

package socket

import (
	"log/slog"
	"sync"
)

// A Watcher notices when the peer of a Conn hangs up. This portable version
// spends a goroutine per watched Conn on a blocked read; the Linux one
// watches every socket from one goroutine with epoll.
type Watcher struct {
	mu sync.Mutex // guards every Conn's watchState
}

// watchState is a Conn's registration with a Watcher.
type watchState struct {
	off bool // unwatched, or reported
}

// NewWatcher returns a Watcher. Call Run on a goroutine of its own, and
// Stop to end it.
func NewWatcher(*slog.Logger) *Watcher { return &Watcher{} }

// Watch tells h when c's peer hangs up: a goroutine reads from c (and
// discards what it reads) until the read fails.
func (w *Watcher) Watch(c *Conn, h HangUpper) {
	w.mu.Lock()
	c.watch.off = false
	w.mu.Unlock()
	go func() {
		var b [64]byte
		for {
			if _, err := c.nc.Read(b[:]); err != nil {
				w.mu.Lock()
				report := !c.watch.off
				c.watch.off = true
				w.mu.Unlock()
				if report {
					h.HangUp()
				}
				return
			}
		}
	}()
}

// Unwatch stops watching c; call it before c is closed. The reading
// goroutine ends when c is closed.
func (w *Watcher) Unwatch(c *Conn) {
	w.mu.Lock()
	c.watch.off = true
	w.mu.Unlock()
}

// Run returns at once: there is nothing to wait for here.
func (w *Watcher) Run() {}

// Stop does nothing: each reading goroutine ends with its Conn.
func (w *Watcher) Stop() {}
