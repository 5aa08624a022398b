package redis

import (
	"bytes"
	"context"
	"time"

	"github.com/ssehub/ssehub"
)

// Bounds of one merged append.
const (
	mergeMessages = 1000    // at most this many messages
	mergeBytes    = 4 << 20 // and about this much data
)

// Appends without an idempotency key are merged: one goroutine (merge)
// takes the appends waiting when it is free and runs them as one script
// call, their messages numbered consecutively in the order taken. Redis
// runs scripts one at a time anyway, so under concurrency this turns many
// round trips and script runs (each applying retention) into one, as the
// bolt log's group commit does for fsyncs; alone, an append waits for no one.
// A merged append is all or nothing for every append in it: when it fails
// (Redis unreachable), each gets the error, and none was recorded.
type pendingAppend struct {
	ctx   context.Context
	mask  []byte // a '1' or '2' per message appended, '0' per nil one (see messageArgs)
	args  []any
	res   appendResult
	err   error
	ready chan struct{}
}

// appendMerged appends msgs (none nil), with their tickets, through the
// merge goroutine.
func (l *Log) appendMerged(ctx context.Context, msgs []*ssehub.Message, tickets []ssehub.Ticket) (appendResult, error) {
	mask, args, err := l.messageArgs(msgs, tickets)
	if err != nil {
		return appendResult{}, err
	}
	p := &pendingAppend{ctx: ctx, mask: mask, args: args, ready: make(chan struct{})}
	select {
	case l.appends <- p:
	case <-l.closed:
		return appendResult{}, ssehub.ErrClosed
	case <-ctx.Done():
		return appendResult{}, ctx.Err()
	}
	<-p.ready // the merge goroutine answers every append it took
	return p.res, p.err
}

// merge runs until Close, taking the appends that wait and running them
// as one.
func (l *Log) merge() {
	defer close(l.merged)
	for {
		var first *pendingAppend
		select {
		case first = <-l.appends:
		case <-l.closed:
			return
		}
		batch := l.takeMore([]*pendingAppend{first})
		l.runMerged(batch)
	}
}

// takeMore adds to batch the appends already waiting, within the bounds.
func (l *Log) takeMore(batch []*pendingAppend) []*pendingAppend {
	n, size := len(batch[0].mask), argsSize(batch[0].args)
	for n < mergeMessages && size < mergeBytes {
		select {
		case p := <-l.appends:
			batch = append(batch, p)
			n, size = n+len(p.mask), size+argsSize(p.args)
		default:
			return batch
		}
	}
	return batch
}

// runMerged runs batch as one script call and answers each append: its
// messages' first seq is the batch's first plus the messages before it.
// Appends whose context ended while they waited are answered without
// being appended.
func (l *Log) runMerged(batch []*pendingAppend) {
	var live []*pendingAppend
	var mask bytes.Buffer
	var args []any
	var until time.Time // the earliest deadline: one WAIT answers them all
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.err = err
			close(p.ready)
			continue
		}
		live = append(live, p)
		mask.Write(p.mask)
		args = append(args, p.args...)
		d, _ := p.ctx.Deadline()
		until = earliest(until, d)
	}
	if len(live) == 0 {
		return
	}
	timeout := WriteTimeout
	if l.replicas > 0 {
		timeout += MaxReplicaWait
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	res, err := l.runScript(ctx, "", [32]byte{}, mask.Bytes(), args, until)
	cancel()
	offset := uint64(0)
	for _, p := range live {
		p.res, p.err = res, err
		p.res.first += offset
		offset += uint64(len(p.mask) - bytes.Count(p.mask, []byte{'0'}))
		close(p.ready)
	}
}

// argsSize is about how many bytes of data args carry.
func argsSize(args []any) int {
	n := 0
	for _, a := range args {
		switch v := a.(type) {
		case []byte:
			n += len(v)
		case string:
			n += len(v)
		}
	}
	return n
}
