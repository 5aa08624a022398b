package ssehub

import (
	"time"

	"github.com/ssehub/ssehub/sse"
)

// heartbeatFrame is a comment line. It carries no blank line: a blank line
// on a stream that has not yet named an id would reset the browser's last
// event id (see hello).
var heartbeatFrame = sse.AppendComment(nil, "ping")

// heartbeat queues heartbeatFrame on every idle live stream once a period,
// until Shutdown. Besides keeping proxies from closing idle streams, the
// write finds peers that vanished without closing their connection. The
// registry's shards take turns over the period, so that the writers of
// thousands of streams are not all started at once.
func (h *Hub) heartbeat() {
	t := time.NewTicker(h.cfg.Heartbeat / shardCount)
	defer t.Stop()
	for i := 0; ; i = (i + 1) % shardCount {
		select {
		case <-h.stop:
			return
		case <-t.C:
			h.reg.eachIn(i, func(c *conn) { c.enqueueComment(heartbeatFrame) })
		}
	}
}
