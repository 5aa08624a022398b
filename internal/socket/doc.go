// Package socket is the hub's socket machinery for HTTP/1.x event streams:
// taking a connection over from net/http, writing to it with and without
// waiting, and noticing when its peer hangs up, without a goroutine or a
// buffer per idle connection.
//
// [TakeOver] hijacks the connection of an HTTP/1.x request and returns it
// as a [Conn], with the response header of an event stream for the caller
// to write with the stream's first bytes. A Conn has two writes:
// [Conn.Write] waits for the peer within a timeout; [Conn.TryWrite] writes
// only what the kernel's send buffer takes now (write(2) on the socket Go
// keeps non-blocking), so that a few writer goroutines can serve many
// connections and hand a slow one to a goroutine of its own.
//
// A [Watcher] reports a peer's hang-up to the [HangUpper] given when the
// Conn was watched. On Linux one epoll instance and one goroutine watch
// every Conn; elsewhere each watched Conn costs a goroutine blocked in a
// read, and TryWrite writes nothing (every write takes the waiting path).
//
// The package knows nothing of the hub: not its queues, not its writers.
//
// Who imports it: internal/engine (the sinks) and, for its TLS writer, the
// root package's TLSListener.
package socket
