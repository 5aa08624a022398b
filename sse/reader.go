package sse

import (
	"bytes"
	"io"
	"math"
)

// Event is one event dispatched by a [Reader].
type Event struct {
	// ID is the stream's last event ID at the moment the event was
	// dispatched. It is set by "id" fields and persists across events: an
	// event without an "id" field carries the ID of an earlier one, and an
	// "id" field with an empty value resets it to "".
	ID string
	// Type is the value of the event's last "event" field, or "message" when
	// the event had none or an empty one.
	Type string
	// Data is the event's "data" field values joined with LF. Line endings
	// inside the stream never appear in Data except as these LFs.
	Data string
}

const (
	defaultBufSize = 4096
	minBufSize     = 16
	// Buffers that grew past this size for one large event are dropped
	// afterwards, so that a reader's idle memory stays small.
	maxKeptBuf = 64 << 10
	// The id shares one allocation with the data when both fit in this size.
	maxSharedAlloc = 512
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// Reader parses a text/event-stream following the client-side rules of the
// WHATWG HTML standard ("Parsing an event stream" and "Interpreting an event
// stream"):
//
//   - a UTF-8 byte order mark at the very start of the stream is skipped;
//   - lines end with CRLF, a lone CR or a lone LF, which may be mixed;
//   - a line starting with ':' is a comment (see OnComment);
//   - "name:value" is a field, with one space after the colon stripped from
//     the value; a line with no colon is a field with an empty value;
//   - "data" appends its value and an LF to the data buffer; "event" sets the
//     event type; "id" sets the last event ID unless the value contains NUL;
//     "retry" sets the reconnection time if the value is all ASCII digits;
//     other fields are ignored;
//   - a blank line dispatches the event: the last event ID is updated first,
//     then, if the data buffer is empty, nothing is dispatched; otherwise one
//     trailing LF is removed from the data and the event is returned;
//   - at the end of the stream an event that was not ended by a blank line is
//     discarded.
//
// The stream is handled as bytes: unlike a browser, Reader does not replace
// invalid UTF-8 with U+FFFD.
//
// A Reader holds one fixed buffer plus the event being collected; lines
// longer than the buffer are handled without growing it. A Reader is not safe
// for concurrent use.
type Reader struct {
	// OnComment, if not nil, is called by Next for every comment line, with
	// the text after the leading ':' minus one leading space. Servers send
	// comments as heartbeats; they never dispatch an event.
	OnComment func(text string)

	rd   io.Reader
	buf  []byte
	r, w int   // buf[r:w] is unread
	err  error // sticky error from rd

	// Line-ending scan state: buf[r:scanned] holds no CR or LF, and lf is
	// the index in buf of the next LF when lf >= max(r, scanned).
	lf, scanned int

	started bool // the BOM check was done
	skipLF  bool // the last line ended in CR: a following LF belongs to it

	data  []byte // data buffer, every value followed by LF
	typ   []byte // event type buffer
	id    []byte // last event ID buffer
	long  []byte // a field or comment line longer than buf
	retry int64
	retOK bool

	lastID      string // last event ID string
	lastType    string // Type of the last event with an explicit type
	lastComment string
}

// NewReader returns a Reader reading the event stream from r with a buffer of
// 4096 bytes.
func NewReader(r io.Reader) *Reader {
	return NewReaderSize(r, defaultBufSize)
}

// NewReaderSize returns a Reader reading the event stream from r with a buffer
// of size bytes (at least 16). The buffer bounds how much is read from r at
// once, not the length of a line: longer lines are still parsed correctly.
func NewReaderSize(r io.Reader, size int) *Reader {
	if size < minBufSize {
		size = minBufSize
	}
	return &Reader{rd: r, buf: make([]byte, size), lf: -1}
}

// LastEventID returns the stream's last event ID string: the value of the
// last valid "id" field that was followed by a blank line. Per the standard
// it is updated at every blank line, even one that dispatches no event
// because the data buffer is empty, and it is what a reconnecting client
// sends in the Last-Event-ID header.
func (r *Reader) LastEventID() string { return r.lastID }

// Retry returns the reconnection time, in milliseconds, from the last valid
// "retry" field seen so far, and whether there was one. A "retry" field is
// valid when its value is a non-empty run of ASCII digits; it takes effect at
// once, even inside an event that is never dispatched. Values beyond the
// range of int64 are clamped to math.MaxInt64.
func (r *Reader) Retry() (ms int64, ok bool) { return r.retry, r.retOK }

// Next reads until the next blank line that dispatches an event and returns
// that event. Blank lines with an empty data buffer dispatch nothing and are
// skipped (they still update LastEventID).
//
// At the end of the stream Next returns io.EOF; an event that was not ended
// by a blank line is discarded, as the standard requires. Other errors from
// the underlying reader are returned as they are, once the complete lines
// read before them have been processed. After an error, Next keeps returning
// it.
func (r *Reader) Next() (Event, error) {
	for {
		line, ok, err := r.readLine()
		if err != nil {
			r.data = r.data[:0]
			r.typ = r.typ[:0]
			return Event{}, err
		}
		if !ok {
			continue // a long line, already processed
		}
		if len(line) == 0 {
			if ev, ok := r.dispatch(); ok {
				return ev, nil
			}
			continue
		}
		r.processLine(line)
	}
}

// readLine returns the next complete line without its terminator. The line
// is only valid until the next call. ok is false when a line longer than the
// buffer was found and processed in place.
func (r *Reader) readLine() (line []byte, ok bool, err error) {
	if !r.started {
		for r.w < 3 && r.err == nil {
			r.fill()
		}
		if bytes.HasPrefix(r.buf[:r.w], bom) {
			r.r = 3
		}
		r.started = true
	}
	for {
		if r.skipLF && r.r < r.w {
			if r.buf[r.r] == '\n' {
				r.r++
			}
			r.skipLF = false
		}
		if i := r.indexEOL(); i >= 0 {
			line = r.buf[r.r:i]
			r.skipLF = r.buf[i] == '\r'
			r.r = i + 1
			return line, true, nil
		}
		if r.err != nil {
			return nil, false, r.err
		}
		if r.r == 0 && r.w == len(r.buf) {
			return nil, false, r.longLine()
		}
		r.fill()
	}
}

// indexEOL returns the index in buf of the first CR or LF in buf[r:w], or -1.
// It remembers how far it has scanned and where the next LF is, so that
// neither input arriving in small pieces nor CR-terminated lines make it scan
// the same bytes again.
func (r *Reader) indexEOL() int {
	from := max(r.r, r.scanned)
	lf := r.lf
	if lf < from {
		lf = r.w
		if k := bytes.IndexByte(r.buf[from:r.w], '\n'); k >= 0 {
			lf = from + k
			r.lf = lf
		}
	}
	if k := bytes.IndexByte(r.buf[from:lf], '\r'); k >= 0 {
		return from + k
	}
	if lf < r.w {
		return lf
	}
	r.scanned = r.w
	return -1
}

// fill moves the unread bytes to the front of buf and reads more after them.
func (r *Reader) fill() {
	if r.r > 0 {
		copy(r.buf, r.buf[r.r:r.w])
		r.w -= r.r
		r.lf -= r.r
		r.scanned -= r.r
		r.r = 0
	}
	for range 100 {
		n, err := r.rd.Read(r.buf[r.w:])
		if n < 0 || n > len(r.buf)-r.w {
			panic("sse: reader returned invalid count")
		}
		r.w += n
		if err != nil {
			r.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	r.err = io.ErrNoProgress
}

// Field kinds of a line longer than the buffer.
const (
	longIgnore = iota // unknown field, or comment with no OnComment
	longData          // "data": stream the value into the data buffer
	longCopy          // other known field or comment: collect it in r.long
)

// longLine handles a line that does not fit in the full buffer. Its start is
// in buf[:w] and contains the colon of any field Next acts on (field names
// are shorter than minBufSize). A data value is appended straight to the
// data buffer; other lines Next needs are collected in r.long and processed
// whole. It returns an error if the stream ends before the line does.
func (r *Reader) longLine() error {
	chunk := r.buf[:r.w]
	mode := longIgnore
	switch colon := bytes.IndexByte(chunk, ':'); {
	case colon == 0:
		if r.OnComment != nil {
			mode = longCopy
		}
	case colon > 0:
		switch string(chunk[:colon]) {
		case "data":
			// The buffer is longer than "data: ", so the space to strip
			// is in this first chunk.
			mode = longData
			chunk = chunk[colon+1:]
			if chunk[0] == ' ' {
				chunk = chunk[1:]
			}
		case "event", "id", "retry":
			mode = longCopy
		}
	}
	if mode == longCopy {
		r.long = r.long[:0]
	}
	for {
		switch mode {
		case longData:
			r.data = append(r.data, chunk...)
		case longCopy:
			r.long = append(r.long, chunk...)
		}
		r.r = r.w
		if r.err != nil {
			return r.err
		}
		r.fill()
		i := r.indexEOL()
		if i < 0 {
			chunk = r.buf[r.r:r.w]
			continue
		}
		chunk = r.buf[r.r:i]
		r.skipLF = r.buf[i] == '\r'
		r.r = i + 1
		switch mode {
		case longData:
			r.data = append(r.data, chunk...)
			r.data = append(r.data, '\n')
		case longCopy:
			r.long = append(r.long, chunk...)
			r.processLine(r.long)
			if cap(r.long) > maxKeptBuf {
				r.long = nil
			}
		}
		return nil
	}
}

// processLine interprets one non-empty line.
func (r *Reader) processLine(line []byte) {
	if line[0] == ':' {
		if r.OnComment != nil {
			text := line[1:]
			if len(text) > 0 && text[0] == ' ' {
				text = text[1:]
			}
			if string(text) != r.lastComment {
				r.lastComment = string(text)
			}
			r.OnComment(r.lastComment)
		}
		return
	}
	name, value := line, line[len(line):]
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) {
	case "data":
		r.data = append(r.data, value...)
		r.data = append(r.data, '\n')
	case "event":
		r.typ = append(r.typ[:0], value...)
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			r.id = append(r.id[:0], value...)
		}
	case "retry":
		if ms, ok := parseRetry(value); ok {
			r.retry, r.retOK = ms, true
		}
	}
}

// parseRetry parses a non-empty run of ASCII digits, clamping at MaxInt64.
func parseRetry(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			n = math.MaxInt64
		} else {
			n = n*10 + d
		}
	}
	return n, true
}

// dispatch runs the "dispatch the event" steps at a blank line.
func (r *Reader) dispatch() (Event, bool) {
	idChanged := string(r.id) != r.lastID
	if len(r.data) == 0 {
		if idChanged {
			r.lastID = string(r.id)
		}
		r.typ = r.typ[:0]
		return Event{}, false
	}
	data := r.data[:len(r.data)-1] // remove the trailing LF
	var ev Event
	switch {
	case !idChanged:
		ev.Data = string(data)
	case len(data)+len(r.id) <= maxSharedAlloc:
		// One allocation for both strings.
		r.data = append(data, r.id...)
		s := string(r.data)
		ev.Data, r.lastID = s[:len(data)], s[len(data):]
	default:
		ev.Data = string(data)
		r.lastID = string(r.id)
	}
	ev.ID = r.lastID
	ev.Type = "message"
	if len(r.typ) > 0 {
		if string(r.typ) != r.lastType {
			r.lastType = string(r.typ)
		}
		ev.Type = r.lastType
	}
	r.typ = r.typ[:0]
	r.data = r.data[:0]
	if cap(r.data) > maxKeptBuf {
		r.data = nil
	}
	return ev, true
}
