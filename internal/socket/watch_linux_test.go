package socket

import (
	"testing"
	"time"
)

// When the kernel gives a closed socket's fd number to a new one, the old
// registration is not taken for the new: an event still pending for the old
// one (its generation) reports nothing, and a late Unwatch of the old Conn
// leaves the new one watched. The new one's hang-up is reported to its own
// owner.
func TestReusedFDIsNotTheOldRegistration(t *testing.T) {
	w := running(t)
	old, oldPeer, r1 := watchedPair(t, w)
	w.mu.Lock()
	stale := old.watch.tok
	w.mu.Unlock()
	w.Unwatch(old)
	old.Close()
	oldPeer.Close()

	var c *Conn
	var peer interface{ Close() error }
	for range 20 { // the lowest free fd is the one just closed, unless something took it first
		a, b := netPair(t)
		if fd := socketFD(newConn(a).raw); fd == int(stale.fd) {
			c, peer = newConn(a), b
			break
		}
		if fd := socketFD(newConn(b).raw); fd == int(stale.fd) {
			c, peer = newConn(b), a
			break
		}
	}
	if c == nil {
		t.Skipf("fd %d was not reused", stale.fd)
	}
	r2 := newRecorder()
	w.Watch(c, r2)

	w.mu.Lock()
	h := w.reportLocked(stale)
	w.mu.Unlock()
	if h != nil {
		t.Fatal("an event of the fd's earlier registration was taken for the new one")
	}
	w.Unwatch(old)
	w.mu.Lock()
	still := w.watched[stale.fd] == c
	w.mu.Unlock()
	if !still {
		t.Fatal("a late Unwatch of the closed Conn ended the new Conn's registration")
	}

	peer.Close()
	r2.expect(t)
	r1.expectNone(t, 50*time.Millisecond)
}
