package ssehub

import (
	"runtime"
	"sync"
)

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
	if err == nil && n < len(buf) {
		rest = append([]byte(nil), buf[n:]...) // buf is pooled or shared
	}
	putBuf(pooled)
	c.recycle(batch)
	switch {
	case err != nil:
		c.close()
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
}

// finishSlowly writes rest, then the rest of c's queue, on a goroutine of
// c's own: the client is slower than the pool.
func finishSlowly(c *conn, rest []byte) {
	if err := c.out.write(rest); err != nil {
		c.close()
		return
	}
	c.drain()
}
