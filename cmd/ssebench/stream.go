package main

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssehub/ssehub/internal/loadconn"
	"github.com/ssehub/ssehub/sse"
)

// stream is one logical SSE connection: it may be reopened after a churn
// close or, on ssehub, after the server ended it. While connected it costs
// the tool one reader goroutine (readLoop), its buffers and this struct.
type stream struct {
	idx      int
	client   int
	churnReq atomic.Bool // closed on purpose: reopen at once

	mu  sync.Mutex
	nc  net.Conn // HTTP/1.1: the connection; nil while not connected
	end func()   // HTTP/2: ends the stream's request (loadconn.H2Pool); nil while not connected

	// Owned by the stream's current goroutine (one at a time: the dialer,
	// then each reader in turn); read by others only after stop.
	opened     bool // the first connect succeeded
	node       int  // the node it is (or was last) connected to, or dials now
	received   uint64
	lastRecv   int64 // unix nanoseconds of the last delivery
	lastID     string
	closes     int // churn closes
	drops      int // ends of the stream not asked for by the tool
	reopens    int // successful reconnects
	cutByStop  int // churn closes not reopened because the run stopped first
	other      uint64
	resets     uint64
	dups       uint64
	seen       []uint64 // churn, storm: bitset of received seqs
	outOfRange uint64   // seqs beyond the bitset

	// Delivery order and announced loss (churn, storm), over every
	// connection of the logical stream, in the order events arrived.
	lastHubID  uint64     // highest hub id received (events or reset), 0: none
	outOfOrder uint64     // first deliveries whose hub id was not above lastHubID
	resetWins  []idWindow // the spans of hub ids reset events announced lost
}

// idWindow is a span of hub ids (after, upTo] a reset event announced lost:
// after is the Last-Event-ID the stream resumed from, upTo the reset event's
// id, where the hub resumed the stream instead.
type idWindow struct{ after, upTo uint64 }

// maxDrops bounds how often one stream is reopened after the server ended it.
const maxDrops = 20

// open makes the stream's first connection and starts its reader.
func (b *bench) open(s *stream) {
	body, direct, err := b.connect(s, "")
	if err != nil {
		b.countErr(b.connectErrs, err)
		return
	}
	s.opened = true
	b.alive.Add(1)
	b.aliveBy[s.client].Add(1)
	b.wg.Add(1)
	go b.readLoop(s, body, direct)
}

// readLoop is the goroutine a stream costs while it is connected: it reads
// events until the stream ends, then reopens it when the churn controller
// closed it or, on ssehub, when the server ended it (at most maxDrops
// times), and hands the new connection to a fresh reader goroutine, whose
// stack did not grow while dialing. Otherwise the stream is given up.
func (b *bench) readLoop(s *stream, body io.Reader, direct bool) {
	defer b.wg.Done()
	b.read(s, body, direct)
	s.detach()
	if !b.stopping.Load() && b.reopen(s) {
		return
	}
	if s.churnReq.Swap(false) {
		s.cutByStop++
	}
	b.alive.Add(-1)
	b.aliveBy[s.client].Add(-1)
}

// reopen reconnects a stream that ended and starts its next reader; it
// reports false when the stream is given up. Each attempt goes to the node
// after the last one tried: in a cluster, every resume crosses nodes, and
// a node that refuses is not tried again at once.
func (b *bench) reopen(s *stream) bool {
	churned := s.churnReq.Swap(false)
	if churned {
		s.closes++
		if j := b.cfg.StormJitter; j > 0 {
			sleepCtx(b.ctx, rand.N(j))
		}
	} else {
		s.drops++
		if !b.resume || s.drops > maxDrops {
			return false
		}
		sleepCtx(b.ctx, time.Duration(50+rand.IntN(100))*time.Millisecond)
	}
	lastID := ""
	if b.resume {
		lastID = s.lastID
	}
	for attempt := 0; ; attempt++ {
		s.node = b.nextNode(s.node)
		body, direct, err := b.connect(s, lastID)
		if err == nil {
			s.reopens++
			b.wg.Add(1)
			go b.readLoop(s, body, direct)
			return true
		}
		if b.stopping.Load() || b.ctx.Err() != nil {
			if churned {
				s.cutByStop++
			}
			return false
		}
		b.countErr(b.reopenErrs, err)
		if attempt >= 5 {
			return false
		}
		sleepCtx(b.ctx, time.Duration(100<<attempt)*time.Millisecond)
	}
}

// connect opens the stream's connection to its node with at most
// cfg.DialConcurrency dials in flight and returns the event stream.
func (b *bench) connect(s *stream, lastID string) (io.Reader, bool, error) {
	select {
	case b.sem <- struct{}{}:
	case <-b.ctx.Done():
		return nil, false, b.ctx.Err()
	}
	nc, end, body, direct, err := b.dial(s, lastID)
	<-b.sem
	if err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nc, s.end = nc, end
	if b.stopping.Load() {
		s.hangUp()
		return nil, false, context.Canceled
	}
	return body, direct, nil
}

// dial opens the stream on its node: over HTTP/1.1 a connection of its
// own (nc), over HTTP/2 a request on its group's connection (ended by end).
func (b *bench) dial(s *stream, lastID string) (nc net.Conn, end func(), body io.Reader, direct bool, err error) {
	t, client := b.targets[s.node], b.cfg.clientID(s.client)
	if b.h2 != nil {
		body, end, err = b.h2.Open(b.ctx, s.idx, s.node, client, lastID)
		return nil, end, body, false, err
	}
	d := b.dialers[s.idx%len(b.dialers)]
	nc, body, direct, err = loadconn.DialStream(b.ctx, d, t, loadconn.StreamRequestFor(t, b.cfg.streamPath(client), lastID), b.httpBuf)
	return nc, nil, body, direct, err
}

// detach closes the stream's connection, if any.
func (s *stream) detach() {
	s.mu.Lock()
	s.hangUp()
	s.mu.Unlock()
}

// hangUp ends the stream's connection (HTTP/1.1) or request (HTTP/2), if
// any; call it with s.mu held.
func (s *stream) hangUp() {
	if s.nc != nil {
		loadconn.CloseAbortively(s.nc)
		s.nc = nil
	}
	if s.end != nil {
		s.end()
		s.end = nil
	}
}

// churn cuts the stream's connection so that its goroutine reopens it; it
// reports false when the stream is not connected or already being reopened.
// It only moves the read deadline to now, which fails the reader's Read,
// pending or next, at once (whatever is still buffered is not read); the
// reader then closes the connection (abortively) itself. Closing it here
// would wait until the reader left its Read, and on a loaded machine a
// reader can be far down the run queue: a storm cutting thousands of
// streams one after the other took seconds, and the storms of a run
// drifted away from their schedule. An HTTP/2 stream is ended at once:
// canceling its request does not wait for the reader.
func (s *stream) churn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if (s.nc == nil && s.end == nil) || s.churnReq.Load() {
		return false
	}
	s.churnReq.Store(true)
	if s.end != nil {
		s.hangUp()
		return true
	}
	if s.nc.SetReadDeadline(time.Now()) != nil {
		loadconn.CloseAbortively(s.nc)
		s.nc = nil
	}
	return true
}

// read parses events from body until it ends. A direct body (read from the
// connection itself) gets the whole -bufsize as the parser's buffer.
func (b *bench) read(s *stream, body io.Reader, direct bool) {
	size := b.sseBuf
	if direct {
		size += b.httpBuf
	}
	r := sse.NewReaderSize(body, size)
	defer func() {
		if id := r.LastEventID(); id != "" {
			s.lastID = id
		}
	}()
	for {
		ev, err := r.Next()
		if err != nil {
			return
		}
		b.onEvent(s, ev)
	}
}

// onEvent records one dispatched event: its latency and its sequence number.
func (b *bench) onEvent(s *stream, ev sse.Event) {
	if ev.Type != "message" {
		if ev.Type == "reset" {
			s.resets++
			if s.seen != nil {
				s.noteReset(ev)
			}
		}
		s.other++
		return
	}
	seq, sent, ok := parsePayload(ev.Data)
	if !ok {
		s.other++
		return
	}
	now := time.Now().UnixNano()
	b.recordLatency(s, seq, time.Duration(now-sent))
	if b.times != nil {
		b.times.note(seq, sent, now)
	}
	s.received++
	s.lastRecv = now
	// A duplicate does not count towards the deliveries drain waits for,
	// or it would stop waiting before the last events arrived.
	if s.seen == nil || !s.track(seq, ev.ID) {
		b.delivered.Add(1)
	}
}

// recordLatency adds the latency of event seq, received by s, to the
// histograms: all events, its quarter of the run, and with several nodes
// whether the node that delivered it is the one it was published on.
func (b *bench) recordLatency(s *stream, seq uint64, lat time.Duration) {
	b.lat.Record(lat)
	if b.split {
		if s.node == b.publishNode(seq) {
			b.latSame.Record(lat)
		} else {
			b.latOther.Record(lat)
		}
	}
	if b.quarters {
		if seq < b.firstQ {
			b.latFirst.Record(lat)
		} else if seq >= b.lastQ {
			b.latLast.Record(lat)
		}
	}
}

// track records the delivery of event seq with hub id id for the delivery
// checks: a seq beyond the bitset, a duplicate (reported true), or the first
// delivery of an event. Order is judged by the hub's id, not by seq:
// concurrent publishers (and bolt's group commits) let the hub log seq n+1
// before seq n, and what the hub promises is its log's order. Events
// without a numeric id (the yardstick's) are not judged.
func (s *stream) track(seq uint64, id string) (dup bool) {
	w := seq / 64
	if w >= uint64(len(s.seen)) {
		s.outOfRange++
		return false
	}
	bit := uint64(1) << (seq % 64)
	if s.seen[w]&bit != 0 {
		s.dups++
		return true
	}
	s.seen[w] |= bit
	if v, ok := parseID(id); ok {
		if v <= s.lastHubID {
			s.outOfOrder++
		}
		s.lastHubID = max(s.lastHubID, v)
	}
	return false
}

// noteReset records the span of hub ids a reset event announces lost: after
// the id the stream resumed from (the data's lastEventId) up to the reset's
// own id, the position the hub resumes it from. A lastEventId the hub could
// not place (reason "unknown": not a number, or newer than its head) leaves
// everything before the reset's id announced. Events after the reset must
// have higher ids.
func (s *stream) noteReset(ev sse.Event) {
	upTo, ok := parseID(ev.ID)
	if !ok {
		return // no position: nothing is announced
	}
	var d struct {
		LastEventID string `json:"lastEventId"`
	}
	_ = json.Unmarshal([]byte(ev.Data), &d)
	after, ok := parseID(d.LastEventID)
	if !ok || after > upTo {
		after = 0
	}
	s.resetWins = append(s.resetWins, idWindow{after, upTo})
	s.lastHubID = max(s.lastHubID, upTo)
}

// announcedLost reports whether a reset event on the stream announced the
// event with hub id id lost.
func (s *stream) announcedLost(id uint64) bool {
	for _, w := range s.resetWins {
		if id > w.after && id <= w.upTo {
			return true
		}
	}
	return false
}
