package engine

import "time"

// expirySweep is how often the engine looks for streams whose
// Identity.Expires has passed: a stream ends at most this long after its
// credentials did.
const expirySweep = time.Second

// expire ends, once a sweep, every stream whose Identity.Expires has
// passed, until Shutdown: one goroutine for the engine, no timer per
// stream. A sweep costs a comparison per open stream; then Config.OnSweep
// runs.
func (e *Engine) expire() {
	t := time.NewTicker(expirySweep)
	defer t.Stop()
	var due []*Stream
	for {
		select {
		case <-e.stop:
			return
		case now := <-t.C:
			due = e.sweep(now, due[:0])
			clear(due)
			if e.cfg.OnSweep != nil {
				e.cfg.OnSweep(now)
			}
		}
	}
}

// sweep asks every stream expired at now to finish (what is queued is
// written first), gathering them in due, which it returns.
func (e *Engine) sweep(now time.Time, due []*Stream) []*Stream {
	e.reg.each(func(s *Stream) {
		if !s.id.Expires.IsZero() && !now.Before(s.id.Expires) {
			due = append(due, s)
		}
	})
	for _, s := range due {
		s.Finish(CloseExpired)
	}
	return due
}
