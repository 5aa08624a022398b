package ssehub

import "time"

// expirySweep is how often the hub looks for streams whose Subscription has
// expired: a stream ends at most this long after its credentials did.
const expirySweep = time.Second

// expire ends, once a sweep, every stream whose Subscription.Expires has
// passed, until Shutdown: one goroutine for the hub, no timer per stream.
// A sweep costs a comparison per open stream. It also forgets the kicks
// older than KickMemory, a bounded number per sweep.
func (h *Hub) expire() {
	t := time.NewTicker(expirySweep)
	defer t.Stop()
	var due []*conn
	for {
		select {
		case <-h.stop:
			return
		case now := <-t.C:
			due = due[:0]
			h.reg.each(func(c *conn) {
				if !c.sub.Expires.IsZero() && !now.Before(c.sub.Expires) {
					due = append(due, c)
				}
			})
			for _, c := range due {
				c.finish(CloseExpired) // what is queued is written first
			}
			clear(due)
			h.kicks.sweep(now)
		}
	}
}
