// Package loadconn opens the load tool's Server-Sent Events streams: many
// of them, to the loopback nodes of a hub, from many loopback source
// addresses. An HTTP/1.1 stream is a raw TCP connection (inside a TLS
// connection for https://) with a hand-written GET, whose body is read with
// as few buffers as possible ([DialStream]); an HTTP/2 stream is a request
// on a connection a group of streams shares, as a browser's tabs share one
// to an origin ([H2Pool]). It also names what went wrong when a stream or a
// publish failed ([ErrorKind]) and closes connections without leaving ports
// in TIME_WAIT ([CloseAbortively]).
//
// The load tool, cmd/ssebench, is its only importer: it decides which
// streams open where and when, reads their events and publishes; this
// package only connects.
package loadconn
