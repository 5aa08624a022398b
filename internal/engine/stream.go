package engine

import (
	"sync"
	"time"
)

// An item is one encoded frame in a stream's queue. Frames are shared by
// every stream an event goes to; nobody writes to them after encoding.
type item struct {
	seq   uint64 // 0 for frames outside the log's sequence (ephemeral events, heartbeats)
	frame []byte
}

// A stream's states, in the only order they move through.
const (
	replaying = iota // history is being written; live events wait in the queue
	live             // queued events are written as they come
	finishing        // shutdown: write what is queued, then close
	closed
)

// Identity is what the engine knows of a stream's subscriber: whom it
// delivers to (Client, Topics, Templates, TopicsOnly, Private), when it
// ends (Expires), and where it comes from (Addr, which the engine only
// hands back).
type Identity struct {
	Client  string
	Topics  []string  // topics it receives, each exactly
	Expires time.Time // zero: never
	Addr    string    // the client's IP address

	// Templates are selectors that Config.Match matches against an event's
	// topics (URI templates, "*"): the stream receives an event with a
	// topic one of them matches.
	Templates []string
	// TopicsOnly streams receive events only through their Topics and
	// Templates: no broadcast, nothing sent to their client id alone (a
	// Mercure subscription).
	TopicsOnly bool
	// Private are the selectors (matched by Config.Match) whose private
	// events the stream receives: a private event reaches it only when one
	// of the event's topics matches one of them.
	Private []string
}

// A Stream is one subscriber's open event stream: its queue, its state, and
// the sink its bytes go to. An idle stream holds no goroutine: a writer runs
// only while its queue is not empty (see writers.go).
type Stream struct {
	e     *Engine
	id    Identity
	sink  Sink
	loop  *handlerLoop // the writer of a sink the pool does not write; nil for a PooledSink
	born  int64        // when it was opened, Unix nanoseconds
	slot  int          // index in its registry shard's all; -1 once removed
	proto Protocol

	mu      sync.Mutex
	state   int
	queue   []item
	queued  int         // bytes in queue
	lastSeq uint64      // the stream's position: newest sequence number queued or named; older ones are ignored
	writing bool        // a writer owns the queue's drain (see writers.go)
	down    bool        // removed from the engine, sink closed (or being)
	why     CloseReason // why it is ending: set when state first reaches finishing or closed
	spare   []item      // the writer's recycled queue, its alone while writing
}

// Identity returns whom s delivers to.
func (s *Stream) Identity() Identity { return s.id }

// Born returns when s was opened, in Unix nanoseconds.
func (s *Stream) Born() int64 { return s.born }

// Protocol returns how s is served.
func (s *Stream) Protocol() Protocol { return s.proto }

// Write writes p to s's sink at once, within the write timeout: the bytes a
// replaying stream starts with, which its opener writes itself.
func (s *Stream) Write(p []byte) error { return s.sink.Write(p) }

// Queued returns how many events and bytes wait in s's queue now.
func (s *Stream) Queued() (events, bytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue), s.queued
}

// enqueue adds it to s's queue and reports whether s took it; if s needs a
// writer, pub starts one (s.writing is then set). It never blocks on the
// network: a stream whose queue would overflow is closed.
func (s *Stream) enqueue(it item, pub *Publication) bool {
	s.mu.Lock()
	if s.state >= finishing || (it.seq != 0 && it.seq <= s.lastSeq) {
		s.mu.Unlock()
		return false
	}
	s.lastSeq = max(s.lastSeq, it.seq)
	if len(s.queue) > 0 && s.queued+len(it.frame) > s.e.cfg.QueueBytes {
		s.ending(CloseOverflow)
		s.state = closed
		s.mu.Unlock()
		go s.Close(CloseOverflow) // the caller holds a registry lock that Close needs
		return false
	}
	start := s.push(it)
	s.mu.Unlock()
	if start {
		pub.wakeWriter(s)
	}
	return true
}

// enqueueHeartbeat queues a heartbeat if s is live and has nothing else to
// write. When s's position is older than pos, a position all of whose
// events s has queued, the heartbeat is named (it carries "id: pos"), so a
// quiet stream's Last-Event-ID stays recent; otherwise it is plain.
func (s *Stream) enqueueHeartbeat(pos uint64, named, plain []byte) {
	s.mu.Lock()
	if s.state != live || len(s.queue) > 0 {
		s.mu.Unlock()
		return
	}
	frame := plain
	if pos > s.lastSeq {
		frame, s.lastSeq = named, pos
	}
	start := s.push(item{frame: frame})
	s.mu.Unlock()
	if start {
		s.startWriter()
	}
}

// push appends it to the queue and reports whether the caller must start a
// writer. s.mu is held.
func (s *Stream) push(it item) bool {
	s.queue = append(s.queue, it)
	s.queued += len(it.frame)
	if s.state == live && !s.writing {
		s.writing = true
		return true
	}
	return false
}

// GoLive ends the replay: queued events up to and including seq were
// already written from the log, the rest are written from now on. It
// reports false if s was closed or asked to finish meanwhile.
func (s *Stream) GoLive(seq uint64) bool {
	s.mu.Lock()
	if s.state != replaying && s.state != finishing { // closed meanwhile
		s.mu.Unlock()
		return false
	}
	s.dropReplayed(seq)
	s.lastSeq = max(s.lastSeq, seq)
	if s.state == replaying {
		s.state = live
	}
	if len(s.queue) > 0 {
		s.writing = true // a finishing stream is closed by its writer, once drained
		s.startWriter()
	} else if s.state == finishing {
		why := s.why
		s.mu.Unlock()
		s.Close(why)
		return false
	}
	s.mu.Unlock()
	return true
}

// dropReplayed drops from the queue the events up to and including seq:
// the replay wrote them. Ephemeral events queued meanwhile are kept. s.mu
// is held.
func (s *Stream) dropReplayed(seq uint64) {
	kept := s.queue[:0]
	s.queued = 0
	for _, it := range s.queue {
		if it.seq > seq || it.seq == 0 {
			kept = append(kept, it)
			s.queued += len(it.frame)
		}
	}
	clear(s.queue[len(kept):])
	s.queue = kept
}

// Finish asks s to write what it has queued and then close, for why
// (shutdown, an expiry, a skip).
func (s *Stream) Finish(why CloseReason) {
	s.mu.Lock()
	if s.state >= finishing {
		s.mu.Unlock()
		return
	}
	// A replaying stream finishes when its replay ends (GoLive): what was
	// queued meanwhile is written first.
	idle := !s.writing && s.state != replaying
	s.ending(why)
	s.state = finishing
	s.mu.Unlock()
	if idle {
		s.Close(why)
	}
}

// ending records why s ends, unless that was decided before. s.mu is held,
// and the caller is about to move s's state to finishing or closed.
func (s *Stream) ending(why CloseReason) {
	if s.state < finishing {
		s.why = why
	}
}

// Closed reports whether s was closed.
func (s *Stream) Closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down
}

// Close ends the stream at once, dropping what is queued, for why unless
// an earlier reason was decided (see ending); closing twice is harmless.
// The first Close counts it, takes it out of the registry, tells the
// engine's OnClosed and closes the sink, in that order.
func (s *Stream) Close(why CloseReason) {
	s.mu.Lock()
	s.ending(why)
	s.state = closed
	s.queue, s.queued = nil, 0
	first := !s.down
	s.down = true
	why = s.why
	s.mu.Unlock()
	if first {
		// Counted before it leaves the registry: whoever sees it gone
		// finds it counted.
		s.e.tally.streamClosed(s.proto, why)
		s.e.reg.remove(s)
		if s.e.cfg.OnClosed != nil {
			s.e.cfg.OnClosed(s, why)
		}
		s.sink.Close()
		if s.loop != nil {
			close(s.loop.done)
		}
	}
}

// HangUp closes s: its client hung up. (A socket sink's stream is the
// socket.HangUpper its socket is watched for.)
func (s *Stream) HangUp() { s.Close(CloseClientGone) }
