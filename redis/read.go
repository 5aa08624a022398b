package redis

import (
	"context"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/store"
)

// ReadAfter implements ssehub.Log.
//
// One script decides the read before any entry is read: it applies
// retention (entries expire by age with no append too), then reports the
// head, the base and what the dropped index remembers of sub's targets, so
// that whether the stream lost history is store.Lost over one consistent
// state. The entries are then read from this node's memory where the feed
// has them (see recent), the rest from Redis in pages, and fn is called
// between pages, with no lock held and no command waiting on it.
//
// The head is Redis's, which counts every entry the feed has delivered or
// is delivering (it only delivers what Redis holds), and never less than the
// feed's own position (ssehub.Log: Positions).
func (l *Log) ReadAfter(ctx context.Context, after uint64, sub *ssehub.Subscription, fn func(*ssehub.Entry) error) (uint64, error) {
	select {
	case <-l.closed:
		return 0, ssehub.ErrClosed
	default:
	}
	begun := l.feed.begun.Load()
	st, err := l.state(ctx, sub)
	if err != nil {
		return begun, err
	}
	head := max(st.head, begun)
	switch {
	case after > head || after < st.base:
		return head, ssehub.ErrUnknownPosition
	case st.lost(sub, after):
		return head, ssehub.ErrNotRetained
	}
	for next := after + 1; next <= st.head; {
		chunk, n := l.recent.Read(next, st.head, sub)
		if n == next {
			if chunk, n, err = l.readPage(ctx, next, st, sub); err != nil {
				return head, err
			}
		}
		if err := store.Visit(ctx, chunk, fn); err != nil {
			return head, err
		}
		next = n
	}
	return head, nil
}

// readPage reads from Redis a page of the entries from next up to st.head,
// and returns those sub receives and the seq to read next. Entries missing
// from the page were trimmed after the read began (fn was slow, or other
// nodes published fast): it checks again whether the stream lost any.
func (l *Log) readPage(ctx context.Context, next uint64, st *logState, sub *ssehub.Subscription) ([]*ssehub.Entry, uint64, error) {
	xs, err := l.client.XRangeN(ctx, l.keys.stream, "("+streamID(next-1), streamID(st.head), st.pageCount()).Result()
	if err != nil {
		return nil, next, storeError("log read", err)
	}
	var entries []*ssehub.Entry
	want, gap := next, len(xs) == 0
	for _, x := range xs {
		e, err := decodeEntry(x)
		if err != nil {
			return nil, next, err
		}
		gap = gap || e.Seq != want
		want = e.Seq + 1
		if sub == nil || sub.Receives(&e.Message) {
			entries = append(entries, e)
		}
	}
	if len(xs) == 0 {
		want = st.head + 1
	}
	if gap {
		again, err := l.state(ctx, sub)
		switch {
		case err != nil:
			return nil, next, err
		case again.base != st.base || again.lost(sub, next-1):
			return nil, next, ssehub.ErrNotRetained
		}
	}
	return entries, want, nil
}

// pageCount is how many entries a page asks for: about feedPageBytes'
// worth at the average size held, between 16 and feedCount.
func (s *logState) pageCount() int64 {
	avg := uint64(1)
	if s.length > 0 {
		avg = max(1, s.bytes/s.length)
	}
	return int64(max(16, min(feedCount, feedPageBytes/avg)))
}
