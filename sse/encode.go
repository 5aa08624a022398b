package sse

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// AppendEvent appends one complete event in text/event-stream form to dst and
// returns the extended slice. It does not allocate when dst has enough spare
// capacity.
//
// The event is written as:
//
//	id: <id>          only if id != ""
//	event: <typ>      only if typ != ""
//	data: <line>      one per line of data
//	                  blank line: the client dispatches the event
//
// An empty id leaves out the "id" line, so the client keeps the last event ID
// it already had (the last event ID persists across events); to clear it, send
// an "id" field with an empty value with [AppendField]. An empty typ leaves
// out the "event" line, so the client uses the default type "message".
//
// data may hold any bytes. It is split at every line break (CRLF, lone CR or
// lone LF, the three line endings of the format), and each piece is written as
// its own data line, because a client joins data lines with LF: the client
// therefore sees data with CRLF and CR normalised to LF. An empty piece is
// written as "data:" with no space. Empty data still yields one bare "data:"
// line, so the client dispatches an event with empty data (a client discards
// an event whose data buffer is empty). Data ending in a line break ends with
// an empty data line, so it survives the client's removal of one trailing LF.
// A space at the start of a piece is preserved, because the client strips
// only the one space written after the colon.
//
// The caller guarantees that id and typ are valid (see [ValidField]): a line
// break in them would split the field and corrupt the stream, and an id with
// NUL is ignored by clients. AppendEvent does not check.
func AppendEvent(dst []byte, id, typ string, data []byte) []byte {
	if id != "" {
		dst = AppendField(dst, "id", id)
	}
	if typ != "" {
		dst = AppendField(dst, "event", typ)
	}
	dst = appendLines(dst, "data:", data)
	return append(dst, '\n')
}

// AppendField appends the single field line "name: value\n" to dst and
// returns the extended slice. It does not allocate when dst has enough spare
// capacity.
//
// Use it for fields sent outside [AppendEvent], such as "retry" (the
// client's reconnection delay in milliseconds; clients ignore a value that is
// not all ASCII digits) or a lone "id" (an empty value resets the client's
// last event ID). No blank line is written: "retry" takes effect at the
// client at once, but an "id" only becomes the last event ID at the next
// blank line, which the caller writes (a bare "\n" dispatches nothing when
// no data is pending) or which ends the next event.
//
// The caller guarantees that name is a non-empty field name without ':' and
// that name and value satisfy [ValidField]; AppendField does not check.
func AppendField(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, '\n')
}

// AppendRetry appends the field "retry: <ms>\n", the client's reconnection
// delay in whole milliseconds (d rounded down; zero or less: "retry: 0"),
// and returns the extended slice. Written right before [AppendEvent]'s
// fields it belongs to that event's block; the client applies it as soon as
// it reads the line, with or without the blank line that follows.
func AppendRetry(dst []byte, d time.Duration) []byte {
	dst = append(dst, "retry: "...)
	dst = strconv.AppendInt(dst, max(d.Milliseconds(), 0), 10)
	return append(dst, '\n')
}

// AppendComment appends text as comment lines to dst and returns the extended
// slice. It does not allocate when dst has enough spare capacity.
//
// A line starting with ':' is a comment: clients ignore it, which makes it
// the usual heartbeat that keeps idle connections and proxies alive. text is
// split at line breaks like data in [AppendEvent], and each piece is written
// as ": <piece>\n" (an empty piece as ":\n"), so a comment can never end the
// current event. No blank line is written, so a comment may sit between the
// fields of an event.
func AppendComment(dst []byte, text string) []byte {
	return appendLines(dst, ":", text)
}

// ValidField reports whether s can be sent as an event id, an event type, a
// field name or value, or one comment line: it must not contain CR or LF,
// which would end the line, nor NUL, which makes clients ignore an id.
func ValidField(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\r', '\n', 0:
			return false
		}
	}
	return true
}

// appendLines appends "prefix piece\n" for every piece of s split at CRLF, CR
// and LF, with a space between prefix and a non-empty piece. An empty s gives
// one empty piece.
func appendLines[T string | []byte](dst []byte, prefix string, s T) []byte {
	start := 0
	lf := indexByte(s, '\n') // absolute index of the next LF at or after start, or -1
	for {
		end := len(s)
		if lf >= 0 {
			end = lf
		}
		i := indexByte(s[start:end], '\r')
		if i >= 0 {
			i += start
		} else if lf >= 0 {
			i = lf
		} else {
			return appendLine(dst, prefix, s[start:])
		}
		dst = appendLine(dst, prefix, s[start:i])
		start = i + 1
		if s[i] == '\r' && start < len(s) && s[start] == '\n' {
			start++
		}
		if lf >= 0 && lf < start {
			if lf = indexByte(s[start:], '\n'); lf >= 0 {
				lf += start
			}
		}
	}
}

func appendLine[T string | []byte](dst []byte, prefix string, line T) []byte {
	dst = append(dst, prefix...)
	if len(line) > 0 {
		dst = append(dst, ' ')
		dst = append(dst, line...)
	}
	return append(dst, '\n')
}

func indexByte[T string | []byte](s T, c byte) int {
	switch v := any(s).(type) {
	case []byte:
		return bytes.IndexByte(v, c)
	case string:
		return strings.IndexByte(v, c)
	}
	panic("unreachable")
}
