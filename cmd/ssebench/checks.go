package main

import (
	"math/bits"

	"github.com/ssehub/ssehub/internal/loadresult"
)

// The delivery checks of the scenarios whose streams are all open before the
// first event and stay open, across their reconnects, until after the last
// (churn, storm): each logical stream must receive every event published
// with a 200 answer and meant for its client (every broadcast, or the
// targeted events whose target is its client), exactly once, in the hub's
// order. Loss the hub announced with a reset event is told apart from
// silent loss, the one a client cannot know about.

// owedSet says which events each client is owed, as bitsets over seq.
type owedSet struct {
	all      []uint64   // every seq published with a 200 answer
	byClient [][]uint64 // targeted: per client with an opened stream; nil: broadcasts
}

// newOwedSet computes what each opened stream's client is owed from the
// published seqs and their targets (recomputed by cfg.eventTarget, not
// stored): one pass over the events, and one bitset per client with a
// stream, only when events are targeted.
func (b *bench) newOwedSet(st *pubStats) *owedSet {
	words := (len(st.ids) + 63) / 64
	o := &owedSet{all: make([]uint64, words)}
	if b.cfg.To == toTargeted {
		o.byClient = make([][]uint64, b.cfg.Clients)
		for _, s := range b.streams {
			if s.opened && o.byClient[s.client] == nil {
				o.byClient[s.client] = make([]uint64, words)
			}
		}
	}
	to := b.cfg.eventTarget()
	for i := range st.ids {
		if st.ids[i].Load() == 0 {
			continue
		}
		w, bit := i/64, uint64(1)<<(i%64)
		o.all[w] |= bit
		if o.byClient == nil {
			continue
		}
		if c := to(uint64(i)); c >= 0 {
			if set := o.byClient[c]; set != nil {
				set[w] |= bit
			}
		} else {
			for _, set := range o.byClient {
				if set != nil {
					set[w] |= bit
				}
			}
		}
	}
	return o
}

// forClient returns the bitset of the events client is owed.
func (o *owedSet) forClient(client int) []uint64 {
	if o.byClient == nil {
		return o.all
	}
	return o.byClient[client]
}

// streamCheck is one logical stream's comparison of what it received with
// what it was owed. Duplicates, out-of-order deliveries and resets are
// counted by the stream as events arrive (stream.track, stream.noteReset).
type streamCheck struct {
	s            *stream
	expected     uint64 // events owed
	received     uint64 // owed events received at least once
	silent       uint64 // owed, never received, and no reset announced it
	announced    uint64 // owed, never received, in a span a reset announced lost
	misdelivered uint64 // published events received though owed to another client
	firstSilent  int64  // seq of the first silently missing event, -1: none
}

func (c *streamCheck) missing() uint64 { return c.silent + c.announced }

// checkStreams compares every opened stream with what it was owed; call it
// after the streams stopped and publishing ended.
func (b *bench) checkStreams(st *pubStats) []streamCheck {
	o := b.newOwedSet(st)
	var out []streamCheck
	for _, s := range b.streams {
		if s.opened {
			out = append(out, o.check(s, st))
		}
	}
	return out
}

// check compares one stream's seen bitset with the events its client is
// owed, word by word; only the missing events of a stream that got a reset
// event are looked at one by one, to tell announced loss from silent loss.
func (o *owedSet) check(s *stream, st *pubStats) streamCheck {
	c := streamCheck{s: s, firstSilent: -1}
	owed := o.forClient(s.client)
	for i, want := range owed {
		got := s.seen[i]
		c.expected += uint64(bits.OnesCount64(want))
		c.received += uint64(bits.OnesCount64(want & got))
		c.misdelivered += uint64(bits.OnesCount64(got & o.all[i] &^ want))
		missing := want &^ got
		if missing == 0 {
			continue
		}
		if len(s.resetWins) == 0 && c.firstSilent >= 0 {
			c.silent += uint64(bits.OnesCount64(missing))
			continue
		}
		for ; missing != 0; missing &= missing - 1 {
			seq := i*64 + bits.TrailingZeros64(missing)
			if s.announcedLost(st.ids[seq].Load()) {
				c.announced++
				continue
			}
			c.silent++
			if c.firstSilent < 0 {
				c.firstSilent = int64(seq)
			}
		}
	}
	return c
}

// maxProblemStreams bounds the streams StreamChecks lists by name.
const maxProblemStreams = 10

// summarize adds up the streams' checks for the report.
func (b *bench) summarize(checks []streamCheck) *loadresult.StreamChecks {
	sum := &loadresult.StreamChecks{Streams: len(checks), To: b.cfg.To}
	for _, c := range checks {
		s := c.s
		sum.Expected += c.expected
		sum.Received += c.received
		sum.Missing += c.missing()
		sum.SilentMissing += c.silent
		sum.AnnouncedLost += c.announced
		sum.Duplicates += s.dups
		sum.OutOfOrder += s.outOfOrder
		sum.Misdelivered += c.misdelivered
		sum.UnknownSeqs += s.outOfRange
		sum.ResetEvents += s.resets
		count := func(n *int, v uint64) {
			if v > 0 {
				*n++
			}
		}
		count(&sum.StreamsSilentMissing, c.silent)
		count(&sum.StreamsAnnouncedLost, c.announced)
		count(&sum.StreamsDuplicates, s.dups)
		count(&sum.StreamsOutOfOrder, s.outOfOrder)
		count(&sum.StreamsMisdelivered, c.misdelivered)
		count(&sum.StreamsReset, s.resets)
		if c.silent+s.dups+s.outOfOrder+c.misdelivered > 0 && len(sum.Problems) < maxProblemStreams {
			sum.Problems = append(sum.Problems, b.problemOf(c))
		}
	}
	return sum
}

// problemOf describes a stream that failed a check.
func (b *bench) problemOf(c streamCheck) loadresult.StreamProblem {
	s := c.s
	return loadresult.StreamProblem{
		Stream:         s.idx,
		Client:         b.cfg.clientID(s.client),
		Reconnects:     s.reopens,
		Expected:       c.expected,
		Received:       c.received,
		SilentMissing:  c.silent,
		AnnouncedLost:  c.announced,
		Duplicates:     s.dups,
		OutOfOrder:     s.outOfOrder,
		Misdelivered:   c.misdelivered,
		ResetEvents:    s.resets,
		FirstSilentSeq: c.firstSilent,
	}
}
