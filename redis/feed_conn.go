package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// feedStall bounds how long the feed may read nothing while the log's head
// is ahead of it and Redis answers: past it the feed counts as stalled (see
// checkStall). Three blocking reads: a healthy feed answers within one.
const feedStall = 3 * feedBlock

// Why the feed re-established its connection (the metric's reason label).
const (
	redialStalled = "stalled"
	redialError   = "error"
)

// connRef is the feed's connection as another goroutine may use it: the
// client of the server it reaches, and its CLIENT ID there.
type connRef struct {
	node *goredis.Client
	id   int64
}

// connect returns the feed's connection, opening one if needed. A blocking
// XREAD holds its connection for up to feedBlock, so it gets one of its own
// rather than one of the pool's, to the server that holds the log: the
// primary (a failover client asks the sentinels which it is), or in a
// Redis Cluster the master of the log's slot. Its CLIENT ID lets stop
// interrupt it; its laddr tells which server it reached.
func (f *feed) connect() (*goredis.Conn, error) {
	if f.conn != nil {
		return f.conn, nil
	}
	conn, node, err := f.dial()
	if err != nil {
		return nil, err
	}
	info, err := conn.ClientInfo(f.ctx).Result()
	if err != nil {
		conn.Close()
		return nil, err
	}
	f.conn = conn
	f.connRef.Store(&connRef{node: node, id: info.ID})
	f.established(info.LAddr)
	return conn, nil
}

// dial opens a dedicated connection to the server that holds the log.
func (f *feed) dial() (*goredis.Conn, *goredis.Client, error) {
	switch c := f.log.client.(type) {
	case *goredis.ClusterClient:
		if f.redial != "" {
			c.ReloadState(f.ctx) // the slot may have moved: do not trust the old map
		}
		node, err := c.MasterForKey(f.ctx, f.log.keys.stream)
		if err != nil {
			return nil, nil, err
		}
		return node.Conn(), node, nil
	case *goredis.Client:
		return c.Conn(), c, nil
	}
	return nil, nil, fmt.Errorf("redis log: a %T cannot give the feed a connection of its own; use Open or Dial", f.log.client)
}

// established notes a new connection to the server at addr: a primary
// that changed is counted, and a failover when the feed had lost the old.
func (f *feed) established(addr string) {
	ha := &f.log.ha
	if f.primary != "" && addr != f.primary {
		ha.primaryChanges.Add(1)
		if f.redial == redialError {
			ha.failovers.Add(1)
		}
		f.log.logger.Warn("redis log: the feed reads from another server now (a failover, or the slot moved)", "from", f.primary, "to", addr)
	}
	switch f.redial {
	case redialStalled:
		ha.feedStalled.Add(1)
	case redialError:
		ha.feedErrors.Add(1)
	}
	if f.redial != "" {
		f.log.logger.Info("redis log: the feed's connection is re-established", "reason", f.redial, "server", addr)
	}
	f.primary, f.redial = addr, ""
}

// readFailed drops the connection after a failed read, so that the next
// step dials again (a go-redis Conn stays broken; a server that became a
// replica or lost the slot would keep refusing). A read that timed out on
// a server that still answers PING is a stalled feed, not an outage.
func (f *feed) readFailed(err error) {
	ref := f.connRef.Load()
	f.disconnect()
	f.redial = redialError
	var nerr net.Error
	timeout := errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &nerr) && nerr.Timeout())
	if timeout && ref != nil && f.ctx.Err() == nil {
		ctx, cancel := context.WithTimeout(f.ctx, DialTimeout)
		defer cancel()
		if ref.node.Ping(ctx).Err() == nil {
			f.redial = redialStalled
			f.log.logger.Warn("redis log: the feed's read got no answer while Redis answers PING: the feed stalled; re-establishing its connection",
				"wait", feedBlock+feedSlack, "last delivered", f.last)
		}
	}
}

// checkStall drops the connection of a feed that has read nothing for
// feedStall while the log, read through the client's pool, holds entries
// after the feed's position: its connection answers, but not with the
// log's entries (a server that is no longer the primary, a read lost on
// the way). The next read dials again and resumes from the feed's
// position. A head ahead with no entry held (all expired by age before the
// feed read them) is nothing to read: the next append shows the gap.
func (f *feed) checkStall(st *logState) {
	now := time.Now()
	if st.head <= f.last || st.length == 0 {
		f.moved = now
		return
	}
	if f.conn == nil || now.Sub(f.moved) < feedStall {
		return
	}
	f.log.logger.Warn("redis log: the feed has read nothing while the log holds entries after its position: the feed stalled; re-establishing its connection",
		"bound", feedStall, "head", st.head, "last delivered", f.last)
	f.disconnect()
	f.redial, f.moved = redialStalled, now
}

// disconnect drops the connection.
func (f *feed) disconnect() {
	if f.conn != nil {
		f.connRef.Store(nil)
		f.conn.Close()
		f.conn = nil
	}
}

// stop ends run and waits for it. A go-redis command does not end when its
// context is cancelled, only at a deadline, so a blocking XREAD is ended
// from another connection to the same server with CLIENT UNBLOCK; stop
// repeats it in case the XREAD had not started yet.
func (f *feed) stop() {
	f.cancel()
	for {
		if ref := f.connRef.Load(); ref != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			ref.node.ClientUnblock(ctx, ref.id)
			cancel()
		}
		select {
		case <-f.done:
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}
