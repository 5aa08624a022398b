package engine

import "sync"

// maxInlineWrites is how many streams a publisher's goroutine writes itself;
// the writer pool takes the others. A message to one client reaches it
// without a hand-over between goroutines: no wake-up to wait for, and no
// place in the pool's line behind busy publishers when the CPU is saturated.
const maxInlineWrites = 4

// A Publication is one published message's share of its fan-out: how many
// streams took it, and the first few of them that need a writer, which the
// publisher's goroutine writes once the log has returned
// (Engine.FinishPublication). The fan-out may run on another goroutine (a
// durable log's committer), so the hand-over is guarded: once the publisher
// has finished, writers go to the pool. A nil *Publication (an entry
// published elsewhere) sends every writer to the pool. The zero value is
// ready to use.
type Publication struct {
	mu      sync.Mutex
	done    bool
	count   int
	inline  [maxInlineWrites]*Stream
	ninline int
}

// wakeWriter starts a writer for s: the publisher itself for the first few
// streams on PooledSinks, the stream's own writer for the rest.
func (p *Publication) wakeWriter(s *Stream) {
	if p == nil || s.loop != nil {
		s.startWriter()
		return
	}
	p.mu.Lock()
	if !p.done && p.ninline < maxInlineWrites {
		p.inline[p.ninline] = s
		p.ninline++
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	s.startWriter()
}

// queued counts n more streams that took the message.
func (p *Publication) queued(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.count += n
	p.mu.Unlock()
}

// FinishPublication writes the streams left to the publisher, with the
// pool's own non-blocking write, and returns how many streams took the
// message and whether the publisher wrote any. From then on p's streams
// get their writers from the pool.
func (e *Engine) FinishPublication(p *Publication) (n int, wrote bool) {
	p.mu.Lock()
	p.done = true
	inline, n := p.inline, p.count
	ninline := p.ninline
	p.inline, p.ninline = [maxInlineWrites]*Stream{}, 0
	p.mu.Unlock()
	for _, s := range inline[:ninline] {
		e.writers.flush(s)
	}
	return n, ninline > 0
}
