package ssehub

import "sync"

// admission lets publishes in until Shutdown begins and counts those in
// flight, so that Shutdown can wait for them within its deadline: a publish
// stuck in the Log (a hung fsync, a partitioned store) must not hold
// Shutdown past it. The zero value admits.
type admission struct {
	mu       sync.Mutex
	closing  bool
	inflight int
	idle     chan struct{} // made by close; closed once nothing is in flight
}

// enter admits one publish, or reports false once closing.
func (a *admission) enter() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closing {
		return false
	}
	a.inflight++
	return true
}

// leave ends a publish that enter admitted.
func (a *admission) leave() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inflight--
	if a.closing && a.inflight == 0 {
		close(a.idle)
	}
}

// close stops admitting and returns a channel closed once no publish is in
// flight; first is false if close was called before.
func (a *admission) close() (idle <-chan struct{}, first bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closing {
		return a.idle, false
	}
	a.closing = true
	a.idle = make(chan struct{})
	if a.inflight == 0 {
		close(a.idle)
	}
	return a.idle, true
}

func (a *admission) isClosing() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closing
}
