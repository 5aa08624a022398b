package ssehub

import (
	"runtime"
	"sync"
)

// This file is the writer side of a conn's queue: who may drain it, and
// how the writer pool, a slow client's own goroutine and a publisher hand
// the drain over. The protocol, around c.writing (guarded by c.mu):
//
//   - A writer owns the drain while c.writing is set. It is set, under c.mu,
//     by whoever queues onto a live conn that has no writer (conn.push, from
//     enqueue and enqueueHeartbeat) or by goLive when the replay leaves
//     events queued; that caller then starts a writer (startWriter, or a
//     publication's wakeWriter): the pool for a taken-over stream, the handler
//     goroutine on the handler path, or the publisher itself for the first
//     few streams of its publish (publication.finish). Only the writer clears
//     it, in stopIfIdle, when it finds the queue empty.
//   - The queue's spare (the array of the last written batch, reused as the
//     next queue) is the writer's alone: takeBatch swaps it in, recycle puts
//     a written batch back. Nobody else touches it.
//   - A pool writer (writerPool.flush) takes the whole queue and writes it
//     with one non-blocking write. If the socket took it all, the conn goes
//     back to the end of the pool's line when more was queued meanwhile
//     (still writing), and its turn ends otherwise.
//   - If the socket took only part, the client is slow: a goroutine of the
//     conn's own (finishSlowly) writes the rest and drains the queue until it
//     is empty, waiting within the write timeout; the pool goes on.
//   - A failed write closes the conn. A finishing conn (Shutdown) is closed
//     by its writer once its queue is empty (stopIfIdle); one with no writer
//     is closed by finish, and one still replaying by goLive.

// Starting a writer.

// startWriter hands c to its stream's writer: the pool, or the handler.
func startWriter(c *conn) { c.out.wakeWriter(c) }

// A writer's turn.

// takeBatch hands the writer everything queued, or returns nil when there is
// nothing (see stopIfIdle). Only the writer that set c.writing calls it.
func (c *conn) takeBatch() []item {
	if !c.stopIfIdle() {
		return nil
	}
	c.mu.Lock()
	batch := c.queue
	c.queue, c.queued, c.spare = c.spare, 0, nil
	c.mu.Unlock()
	return batch
}

// stopIfIdle reports whether c has something queued. If not, the writer's
// turn ends (c.writing is false again) and a finishing conn is closed.
func (c *conn) stopIfIdle() bool {
	c.mu.Lock()
	if len(c.queue) > 0 && c.state != closed {
		c.mu.Unlock()
		return true
	}
	c.writing = false
	done, why := c.state == finishing, c.why
	c.mu.Unlock()
	if done {
		c.close(why)
	}
	return false
}

// recycle keeps a written batch's array as the next queue, unless a burst
// made it large. The spare is the writer's alone: c.writing hands it over.
func (c *conn) recycle(batch []item) {
	clear(batch)
	if cap(batch) <= 64 {
		c.spare = batch[:0]
	}
}

// drain writes everything queued, batch after batch, waiting for the client
// as long as the write timeout allows, until the queue is empty or the stream
// fails. Only the writer that set c.writing calls it.
func (c *conn) drain() {
	for {
		batch := c.takeBatch()
		if batch == nil {
			return
		}
		err := writeBatch(c.out, batch)
		c.recycle(batch)
		if err != nil {
			c.close(writeFailure(err))
			return
		}
	}
}

// writeBatch writes the frames of a batch with one write.
func writeBatch(s stream, batch []item) error {
	p, buf := coalesce(batch)
	err := s.write(p)
	putBuf(buf)
	return err
}

// coalesce returns the bytes of a batch for one write: one frame as is,
// several copied into a pooled buffer, returned too for putBuf (nil if none).
func coalesce(batch []item) ([]byte, *[]byte) {
	if len(batch) == 1 {
		return batch[0].frame, nil
	}
	bp := getBuf()
	for _, it := range batch {
		*bp = append(*bp, it.frame...)
	}
	return *bp, bp
}

const maxPooledBuf = 256 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// getBuf returns an empty pooled buffer.
func getBuf() *[]byte {
	bp := bufPool.Get().(*[]byte)
	*bp = (*bp)[:0]
	return bp
}

// putBuf returns a buffer from getBuf to the pool, unless it grew large.
func putBuf(bp *[]byte) {
	if bp != nil && cap(*bp) <= maxPooledBuf {
		bufPool.Put(bp)
	}
}

// The pool.

// A writerPool writes the queues of taken-over streams with a few goroutines
// (one per CPU), whatever the number of streams. Streams with something to
// write wait their turn in a FIFO; while they wait, more events may join
// their queue, so under load each write carries many events (coalescing
// comes from the queueing itself), and publishers compete for the CPU with a
// few writers instead of thousands. Writes never block a pool goroutine: a
// stream whose socket is full is handed to a goroutine of its own.
type writerPool struct {
	mu      sync.Mutex
	cond    sync.Cond
	ready   []*conn // ready[head:] wait, oldest first
	head    int
	stopped bool
	wg      sync.WaitGroup
}

func (p *writerPool) start() {
	p.cond.L = &p.mu
	for range runtime.GOMAXPROCS(0) {
		p.wg.Go(p.work)
	}
}

// push queues c for a write; c.writing is set.
func (p *writerPool) push(c *conn) {
	p.mu.Lock()
	p.ready = append(p.ready, c)
	p.mu.Unlock()
	p.cond.Signal()
}

// pop returns the stream waiting longest, or false once stopped.
func (p *writerPool) pop() (*conn, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.head == len(p.ready) && !p.stopped {
		p.cond.Wait()
	}
	if p.stopped {
		return nil, false
	}
	c := p.ready[p.head]
	p.ready[p.head] = nil
	p.head++
	switch {
	case p.head == len(p.ready):
		p.ready, p.head = p.ready[:0], 0
	case p.head > 1024 && p.head > len(p.ready)/2: // keep a never-empty FIFO bounded
		n := copy(p.ready, p.ready[p.head:])
		clear(p.ready[n:])
		p.ready, p.head = p.ready[:n], 0
	}
	return c, true
}

// stop ends the pool's goroutines; streams still waiting are left to Shutdown.
func (p *writerPool) stop() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.cond.Broadcast()
	p.wg.Wait()
}

func (p *writerPool) work() {
	for {
		c, ok := p.pop()
		if !ok {
			return
		}
		p.flush(c)
	}
}

// flush writes what c has queued with one non-blocking write. If the socket
// took it all, c goes back to the end of the line when more has been queued
// meanwhile. If not, the client is slow: a goroutine of c's own writes the
// rest, waiting as long as the write timeout allows, and drains c until its
// queue is empty.
func (p *writerPool) flush(c *conn) {
	s := c.out.(pooledStream)
	batch := c.takeBatch()
	if batch == nil {
		return
	}
	buf, pooled := coalesce(batch)
	n, err := s.tryWrite(buf)
	var rest []byte
	if err == nil && (n < len(buf) || s.pending()) {
		rest = append([]byte{}, buf[n:]...) // buf is pooled or shared; empty when only records are pending (TLS)
	}
	putBuf(pooled)
	c.recycle(batch)
	switch {
	case err != nil:
		c.close(writeFailure(err))
	case rest != nil:
		go finishSlowly(c, rest)
	case c.stopIfIdle():
		p.push(c)
	}
}

// A pooledStream is a stream the writer pool can write to.
type pooledStream interface {
	stream
	// tryWrite writes what the client takes of p without waiting; n < len(p)
	// with a nil error means it took no more.
	tryWrite(p []byte) (n int, err error)
	// pending reports whether bytes tryWrite accepted are still unsent
	// (TLS records the socket did not take); a write sends them.
	pending() bool
}

// finishSlowly writes rest, then the rest of c's queue, on a goroutine of
// c's own: the client is slower than the pool.
func finishSlowly(c *conn, rest []byte) {
	if err := c.out.write(rest); err != nil {
		c.close(writeFailure(err))
		return
	}
	c.drain()
}

// The publisher as a writer.

// maxInlineWrites is how many streams a publisher's goroutine writes itself;
// the writer pool takes the others. A message to one client reaches it
// without a hand-over between goroutines: no wake-up to wait for, and no
// place in the pool's line behind busy publishers when the CPU is saturated.
const maxInlineWrites = 4

// A publication is one published message's share of its fan-out: how many
// streams took it, and the first few of them that need a writer, which the
// publisher's goroutine writes once the log has returned. The fan-out may
// run on another goroutine (a durable log's committer), so the hand-over is
// guarded: once the publisher has finished, writers go to the pool. A nil
// publication (an entry published elsewhere, an unknown ticket) sends every
// writer to the pool.
type publication struct {
	hub    *Hub
	msg    Message // what the hub passes to Append: a copy, so the caller's value stays as it was
	ticket Ticket  // handed to Append with msg; Deliver hands it back

	mu      sync.Mutex
	done    bool
	count   int
	inline  [maxInlineWrites]*conn
	ninline int
}

// wakeWriter starts a writer for c: the publisher itself for the first few
// streams, the stream's own writer for the rest.
func (p *publication) wakeWriter(c *conn) {
	if p == nil {
		startWriter(c)
		return
	}
	if _, pooled := c.out.(pooledStream); pooled {
		p.mu.Lock()
		if !p.done && p.ninline < maxInlineWrites {
			p.inline[p.ninline] = c
			p.ninline++
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
	startWriter(c)
}

func (p *publication) queued(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.count += n
	p.mu.Unlock()
}

// finish writes the streams left to the publisher, with the pool's own
// non-blocking write, and returns how many streams took the message and
// whether the publisher wrote any.
func (p *publication) finish() (n int, wrote bool) {
	p.mu.Lock()
	p.done = true
	inline, n := p.inline, p.count
	ninline := p.ninline
	p.inline, p.ninline = [maxInlineWrites]*conn{}, 0
	p.mu.Unlock()
	for _, c := range inline[:ninline] {
		p.hub.writers.flush(c)
	}
	return n, ninline > 0
}
