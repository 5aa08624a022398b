package ssehub

import "sync"

// An item is one encoded frame in a connection's queue. Frames are shared by
// every connection an event goes to; nobody writes to them after encoding.
type item struct {
	seq   uint64 // 0 for frames outside the log's sequence (ephemeral events, heartbeats)
	frame []byte
}

// Connection states, in the only order they move through.
const (
	replaying = iota // history is being written; live events wait in the queue
	live             // queued events are written as they come
	finishing        // shutdown: write what is queued, then close
	closed
)

// A conn is one open event stream. An idle conn holds no goroutine: a writer
// runs only while its queue is not empty (on the standard handler path, the
// handler goroutine is the writer and waits on wake).
type conn struct {
	hub   *Hub
	sub   Subscription
	out   stream
	born  int64    // when it was opened, Unix nanoseconds (presence)
	addr  string   // the client's IP address (Limits)
	slot  int      // index in its registry shard's all; -1 once removed
	proto Protocol // how it is served (Metrics)

	mu      sync.Mutex
	state   int
	queue   []item
	queued  int         // bytes in queue
	lastSeq uint64      // the stream's position: newest sequence number queued or named; older ones are ignored
	writing bool        // a writer owns the queue's drain (see writers.go)
	down    bool        // removed from the hub, stream closed (or being)
	why     CloseReason // why it is ending: set when state first reaches finishing or closed
	spare   []item      // the writer's recycled queue, its alone while writing
}

// enqueue adds it to c's queue and reports whether c took it; if c needs a
// writer, enqueue calls wakeWriter (c.writing is then set). It never blocks on the
// network: a connection whose queue would overflow is closed.
func (c *conn) enqueue(it item, pub *publication) bool {
	c.mu.Lock()
	if c.state >= finishing || (it.seq != 0 && it.seq <= c.lastSeq) {
		c.mu.Unlock()
		return false
	}
	c.lastSeq = max(c.lastSeq, it.seq)
	if len(c.queue) > 0 && c.queued+len(it.frame) > c.hub.cfg.QueueBytes {
		c.ending(CloseOverflow)
		c.state = closed
		c.mu.Unlock()
		go c.close(CloseOverflow) // the caller holds a registry lock that close needs
		return false
	}
	start := c.push(it)
	c.mu.Unlock()
	if start {
		pub.wakeWriter(c)
	}
	return true
}

// enqueueHeartbeat queues a heartbeat if c is live and has nothing else to
// write. When c's position is older than pos, a position all of whose
// events c has queued, the heartbeat is named (it carries "id: pos"), so a
// quiet stream's Last-Event-ID stays recent; otherwise it is plain.
func (c *conn) enqueueHeartbeat(pos uint64, named, plain []byte) {
	c.mu.Lock()
	if c.state != live || len(c.queue) > 0 {
		c.mu.Unlock()
		return
	}
	frame := plain
	if pos > c.lastSeq {
		frame, c.lastSeq = named, pos
	}
	start := c.push(item{frame: frame})
	c.mu.Unlock()
	if start {
		startWriter(c)
	}
}

// push appends it to the queue and reports whether the caller must start a
// writer. c.mu is held.
func (c *conn) push(it item) bool {
	c.queue = append(c.queue, it)
	c.queued += len(it.frame)
	if c.state == live && !c.writing {
		c.writing = true
		return true
	}
	return false
}

// goLive ends the replay: queued events up to and including seq were already
// written from the log, the rest are written from now on. It reports false if
// c was closed or asked to finish meanwhile.
func (c *conn) goLive(seq uint64) bool {
	c.mu.Lock()
	if c.state != replaying && c.state != finishing { // closed meanwhile
		c.mu.Unlock()
		return false
	}
	kept := c.queue[:0]
	c.queued = 0
	for _, it := range c.queue {
		if it.seq > seq || it.seq == 0 { // ephemeral events queued meanwhile are kept
			kept = append(kept, it)
			c.queued += len(it.frame)
		}
	}
	clear(c.queue[len(kept):])
	c.queue = kept
	c.lastSeq = max(c.lastSeq, seq)
	if c.state == replaying {
		c.state = live
	}
	if len(c.queue) > 0 {
		c.writing = true // a finishing conn is closed by its writer, once drained
		startWriter(c)
	} else if c.state == finishing {
		why := c.why
		c.mu.Unlock()
		c.close(why)
		return false
	}
	c.mu.Unlock()
	return true
}

// finish asks c to write what it has queued and then close, for why
// (Shutdown, an expiry, a skip).
func (c *conn) finish(why CloseReason) {
	c.mu.Lock()
	if c.state >= finishing {
		c.mu.Unlock()
		return
	}
	// A replaying conn finishes when its replay ends (goLive): what was
	// queued meanwhile is written first.
	idle := !c.writing && c.state != replaying
	c.ending(why)
	c.state = finishing
	c.mu.Unlock()
	if idle {
		c.close(why)
	}
}

// ending records why c ends, unless that was decided before. c.mu is held,
// and the caller is about to move c's state to finishing or closed.
func (c *conn) ending(why CloseReason) {
	if c.state < finishing {
		c.why = why
	}
}

// isDown reports whether c was closed.
func (c *conn) isDown() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.down
}

// close ends the stream at once, dropping what is queued, for why unless
// an earlier reason was decided (see ending); closing twice is harmless.
func (c *conn) close(why CloseReason) {
	c.mu.Lock()
	c.ending(why)
	c.state = closed
	c.queue, c.queued = nil, 0
	first := !c.down
	c.down = true
	why = c.why
	c.mu.Unlock()
	if first {
		// Counted before it leaves the registry: whoever sees it gone
		// finds it counted.
		c.hub.tally.streamClosed(c.proto, why)
		c.hub.reg.remove(c)
		c.hub.counts.release(c.sub.Client, c.addr)
		c.hub.shareClosed(c.sub.Client)
		c.out.close()
		c.hub.logClosed(c, why)
	}
}

// HangUp closes c: its client hung up. (A taken-over stream's conn is the
// socket.HangUpper its socket is watched for.)
func (c *conn) HangUp() { c.close(CloseClientGone) }
