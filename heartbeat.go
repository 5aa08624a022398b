package ssehub

import "time"

// heartbeatFrame is a comment line. It carries no blank line: a blank line
// on a stream that has not yet named an id would reset the browser's last
// event id (see hello).
var heartbeatFrame = []byte(": ping\n")

// heartbeat queues heartbeatFrame on every idle live stream each period,
// until Shutdown. Besides keeping proxies from closing idle streams, the
// write finds peers that vanished without closing their connection.
func (h *Hub) heartbeat() {
	t := time.NewTicker(h.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			h.reg.each(func(c *conn) { c.enqueueComment(heartbeatFrame) })
		}
	}
}
