package engine

import (
	"runtime"
	"sync"
)

// This file is the writer side of a stream's queue: who may drain it, and
// how the writer pool, a slow client's own goroutine and a publisher hand
// the drain over. The protocol, around s.writing (guarded by s.mu):
//
//   - A writer owns the drain while s.writing is set. It is set, under s.mu,
//     by whoever queues onto a live stream that has no writer (Stream.push,
//     from enqueue and enqueueHeartbeat) or by GoLive when the replay leaves
//     events queued; that caller then starts a writer (startWriter, or a
//     Publication's wakeWriter): the pool for a PooledSink, the Serve
//     goroutine for any other, or the publisher itself for the first few
//     streams of its publish (Engine.FinishPublication). Only the writer
//     clears it, in stopIfIdle, when it finds the queue empty.
//   - The queue's spare (the array of the last written batch, reused as the
//     next queue) is the writer's alone: takeBatch swaps it in, recycle puts
//     a written batch back. Nobody else touches it.
//   - A pool writer (writerPool.flush) takes the whole queue and writes it
//     with one non-blocking write. If the sink took it all, the stream goes
//     back to the end of the pool's line when more was queued meanwhile
//     (still writing), and its turn ends otherwise.
//   - If the sink took only part, the client is slow: a goroutine of the
//     stream's own (finishSlowly) writes the rest and drains the queue until
//     it is empty, waiting within the write timeout; the pool goes on.
//   - A failed write closes the stream. A finishing stream (shutdown) is
//     closed by its writer once its queue is empty (stopIfIdle); one with no
//     writer is closed by Finish, and one still replaying by GoLive.

// Starting a writer.

// startWriter hands s to its writer: the pool, or its Serve goroutine.
// s.writing has just been set.
func (s *Stream) startWriter() {
	if s.loop != nil {
		s.loop.wakeWriter()
		return
	}
	s.e.writers.push(s)
}

// A writer's turn.

// takeBatch hands the writer everything queued, or returns nil when there is
// nothing (see stopIfIdle). Only the writer that set s.writing calls it.
func (s *Stream) takeBatch() []item {
	if !s.stopIfIdle() {
		return nil
	}
	s.mu.Lock()
	batch := s.queue
	s.queue, s.queued, s.spare = s.spare, 0, nil
	s.mu.Unlock()
	return batch
}

// stopIfIdle reports whether s has something queued. If not, the writer's
// turn ends (s.writing is false again) and a finishing stream is closed.
func (s *Stream) stopIfIdle() bool {
	s.mu.Lock()
	if len(s.queue) > 0 && s.state != closed {
		s.mu.Unlock()
		return true
	}
	s.writing = false
	done, why := s.state == finishing, s.why
	s.mu.Unlock()
	if done {
		s.Close(why)
	}
	return false
}

// recycle keeps a written batch's array as the next queue, unless a burst
// made it large. The spare is the writer's alone: s.writing hands it over.
func (s *Stream) recycle(batch []item) {
	clear(batch)
	if cap(batch) <= 64 {
		s.spare = batch[:0]
	}
}

// drain writes everything queued, batch after batch, waiting for the client
// as long as the write timeout allows, until the queue is empty or the sink
// fails. Only the writer that set s.writing calls it.
func (s *Stream) drain() {
	for {
		batch := s.takeBatch()
		if batch == nil {
			return
		}
		err := writeBatch(s.sink, batch)
		s.recycle(batch)
		if err != nil {
			s.Close(WriteFailure(err))
			return
		}
	}
}

// writeBatch writes the frames of a batch with one write.
func writeBatch(sink Sink, batch []item) error {
	p, buf := coalesce(batch)
	err := sink.Write(p)
	PutBuffer(buf)
	return err
}

// coalesce returns the bytes of a batch for one write: one frame as is,
// several copied into a pooled buffer, returned too for PutBuffer (nil if
// none).
func coalesce(batch []item) ([]byte, *[]byte) {
	if len(batch) == 1 {
		return batch[0].frame, nil
	}
	bp := GetBuffer()
	for _, it := range batch {
		*bp = append(*bp, it.frame...)
	}
	return *bp, bp
}

const maxPooledBuf = 256 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// GetBuffer returns an empty pooled buffer, shared with the writers: for
// bytes gathered for one write (a replay, say). Give it back with PutBuffer.
func GetBuffer() *[]byte {
	bp := bufPool.Get().(*[]byte)
	*bp = (*bp)[:0]
	return bp
}

// PutBuffer returns a buffer from GetBuffer to the pool, unless it grew
// large; nil is ignored.
func PutBuffer(bp *[]byte) {
	if bp != nil && cap(*bp) <= maxPooledBuf {
		bufPool.Put(bp)
	}
}

// The pool.

// A writerPool writes the queues of streams on PooledSinks with a few
// goroutines (one per CPU), whatever the number of streams. Streams with
// something to write wait their turn in a FIFO; while they wait, more events
// may join their queue, so under load each write carries many events
// (coalescing comes from the queueing itself), and publishers compete for
// the CPU with a few writers instead of thousands. Writes never block a pool
// goroutine: a stream whose sink is full is handed to a goroutine of its own.
type writerPool struct {
	mu      sync.Mutex
	cond    sync.Cond
	ready   []*Stream // ready[head:] wait, oldest first
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

// push queues s for a write; s.writing is set.
func (p *writerPool) push(s *Stream) {
	p.mu.Lock()
	p.ready = append(p.ready, s)
	p.mu.Unlock()
	p.cond.Signal()
}

// pop returns the stream waiting longest, or false once stopped.
func (p *writerPool) pop() (*Stream, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.head == len(p.ready) && !p.stopped {
		p.cond.Wait()
	}
	if p.stopped {
		return nil, false
	}
	s := p.ready[p.head]
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
	return s, true
}

// stop ends the pool's goroutines; streams still waiting are left to
// Shutdown.
func (p *writerPool) stop() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.cond.Broadcast()
	p.wg.Wait()
}

func (p *writerPool) work() {
	for {
		s, ok := p.pop()
		if !ok {
			return
		}
		p.flush(s)
	}
}

// flush writes what s has queued with one non-blocking write. If the sink
// took it all, s goes back to the end of the line when more has been queued
// meanwhile. If not, the client is slow: a goroutine of s's own writes the
// rest, waiting as long as the write timeout allows, and drains s until its
// queue is empty.
func (p *writerPool) flush(s *Stream) {
	sink := s.sink.(PooledSink)
	batch := s.takeBatch()
	if batch == nil {
		return
	}
	buf, pooled := coalesce(batch)
	n, err := sink.TryWrite(buf)
	var rest []byte
	if err == nil && (n < len(buf) || sink.Pending()) {
		rest = append([]byte{}, buf[n:]...) // buf is pooled or shared; empty when only records are pending (TLS)
	}
	PutBuffer(pooled)
	s.recycle(batch)
	switch {
	case err != nil:
		s.Close(WriteFailure(err))
	case rest != nil:
		go finishSlowly(s, rest)
	case s.stopIfIdle():
		p.push(s)
	}
}

// finishSlowly writes rest, then the rest of s's queue, on a goroutine of
// s's own: the client is slower than the pool.
func finishSlowly(s *Stream, rest []byte) {
	if err := s.sink.Write(rest); err != nil {
		s.Close(WriteFailure(err))
		return
	}
	s.drain()
}
