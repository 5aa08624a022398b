package engine

import (
	"strconv"
	"time"

	"github.com/ssehub/ssehub/sse"
)

// heartbeatFrame is a comment line. It carries no blank line: a blank line
// on a stream that has not yet named an id would reset the browser's last
// event id. Every stream names its id before it is live, so a named
// heartbeat may end with one.
var heartbeatFrame = sse.AppendComment(nil, "ping")

// namedHeartbeat is a heartbeat that also moves the client's last event id
// to pos: an "id:" line and a blank line dispatch no event, but set the id a
// browser sends back as Last-Event-ID.
func namedHeartbeat(pos uint64) []byte {
	b := sse.AppendField(append([]byte(nil), heartbeatFrame...), "id", strconv.FormatUint(pos, 10))
	return append(b, '\n')
}

// heartbeat queues a heartbeat on every idle live stream once a period,
// until Shutdown. Besides keeping proxies from closing idle streams, the
// write finds peers that vanished without closing their connection, and it
// tells a quiet stream the newest position it has everything up to, so that
// a client that hears nothing for a long time does not come back with an id
// that retention has long dropped. The registry's shards take turns over the
// period, so that the writers of thousands of streams are not all started
// at once.
func (e *Engine) heartbeat() {
	t := time.NewTicker(e.cfg.Heartbeat / shardCount)
	defer t.Stop()
	for i := 0; ; i = (i + 1) % shardCount {
		select {
		case <-e.stop:
			return
		case <-t.C:
			e.heartbeatShard(i)
		}
	}
}

// heartbeatShard queues a heartbeat on the idle live streams of shard i.
func (e *Engine) heartbeatShard(i int) {
	pos := e.delivered.Load()
	named := namedHeartbeat(pos)
	e.reg.eachIn(i, func(s *Stream) { s.enqueueHeartbeat(pos, named, heartbeatFrame) })
}
