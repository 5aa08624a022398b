// Package sse encodes and decodes the WHATWG "text/event-stream" format used
// by Server-Sent Events (HTML Living Standard, section 9.2 "Server-sent
// events").
//
// # Wire format
//
// An event stream is UTF-8 text made of lines. A line ends with CRLF, a lone
// CR or a lone LF. Each line is one of:
//
//   - empty: dispatches the event collected so far;
//   - a comment, starting with ':' (servers send these as heartbeats);
//   - a field "name: value" (one space after the colon is optional and is
//     stripped), or a bare "name" with no colon (a field with an empty value).
//
// The fields are "data" (lines are joined with LF), "event" (the event type,
// "message" when absent), "id" (sets the last event ID, which persists from
// event to event and is sent back by reconnecting clients in the
// Last-Event-ID header) and "retry" (the reconnection delay in milliseconds).
// Unknown fields are ignored. For example, the lines
//
//	id: 42
//	event: update
//	data: first line
//	data: second line
//
// followed by a blank line dispatch an "update" event with data
// "first line\nsecond line" and set the last event ID to "42".
//
// # Encoding
//
// [AppendEvent], [AppendField] and [AppendComment] append the wire form to a
// byte slice and do not allocate when the slice has room; they are the hub's
// hot path. Ids and event types must satisfy [ValidField]; data may hold any
// bytes, and its line breaks (CRLF, CR or LF) become separate data lines.
//
// # Decoding
//
// [Reader] implements the client-side parsing and interpretation rules of the
// standard ("Parsing an event stream" and "Interpreting an event stream"),
// returning one [Event] per dispatched event. It is meant for tests and load
// tools that hold many streams open at once: its memory is one fixed buffer
// plus the event being collected, and it allocates at most one string per
// event in the common case.
//
// Who imports it: the root package and internal/engine (encoding), the load
// tool and the tests (reading).
package sse
