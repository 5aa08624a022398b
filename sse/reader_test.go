package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// parseResult is everything a Reader reports about a whole stream.
type parseResult struct {
	Events   []Event
	Comments []string
	LastID   string
	Retry    int64
	RetryOK  bool
	Err      error // the error that ended the stream
}

// readAll drains r.
func readAll(r *Reader) parseResult {
	var res parseResult
	r.OnComment = func(text string) { res.Comments = append(res.Comments, text) }
	for {
		ev, err := r.Next()
		if err != nil {
			res.Err = err
			break
		}
		res.Events = append(res.Events, ev)
	}
	res.LastID = r.LastEventID()
	res.Retry, res.RetryOK = r.Retry()
	return res
}

// refParse is a direct, unoptimised transcription of the WHATWG rules, used
// to check Reader on arbitrary streams.
func refParse(stream string) parseResult {
	var res parseResult
	stream = strings.TrimPrefix(stream, "\uFEFF")
	var data, typ, idBuf strings.Builder
	for {
		i := strings.IndexAny(stream, "\r\n")
		if i < 0 {
			break // an unterminated line and any pending event are discarded
		}
		line := stream[:i]
		if strings.HasPrefix(stream[i:], "\r\n") {
			stream = stream[i+2:]
		} else {
			stream = stream[i+1:]
		}
		switch {
		case line == "":
			res.LastID = idBuf.String()
			if data.Len() == 0 {
				typ.Reset()
				continue
			}
			ev := Event{ID: res.LastID, Type: typ.String(), Data: strings.TrimSuffix(data.String(), "\n")}
			if ev.Type == "" {
				ev.Type = "message"
			}
			res.Events = append(res.Events, ev)
			data.Reset()
			typ.Reset()
		case line[0] == ':':
			res.Comments = append(res.Comments, strings.TrimPrefix(line[1:], " "))
		default:
			name, value, found := strings.Cut(line, ":")
			if found {
				value = strings.TrimPrefix(value, " ")
			}
			switch name {
			case "event":
				typ.Reset()
				typ.WriteString(value)
			case "data":
				data.WriteString(value)
				data.WriteByte('\n')
			case "id":
				if !strings.Contains(value, "\x00") {
					idBuf.Reset()
					idBuf.WriteString(value)
				}
			case "retry":
				if ms, ok := parseRetry([]byte(value)); ok {
					res.Retry, res.RetryOK = ms, true
				}
			}
		}
	}
	res.Err = io.EOF
	return res
}

// readerVariants returns readers of stream exercising different buffer
// sizes and read patterns.
func readerVariants(stream string) map[string]*Reader {
	return map[string]*Reader{
		"default":         NewReader(strings.NewReader(stream)),
		"size16":          NewReaderSize(strings.NewReader(stream), 16),
		"size16/onebyte":  NewReaderSize(iotest.OneByteReader(strings.NewReader(stream)), 16),
		"size23/half":     NewReaderSize(iotest.HalfReader(strings.NewReader(stream)), 23),
		"default/dataerr": NewReader(iotest.DataErrReader(strings.NewReader(stream))),
		"onebyte":         NewReader(iotest.OneByteReader(strings.NewReader(stream))),
	}
}

// checkStream parses stream with every reader variant and compares with want.
func checkStream(t *testing.T, stream string, want parseResult) {
	t.Helper()
	for name, r := range readerVariants(stream) {
		got := readAll(r)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: stream %q\n got %+v\nwant %+v", name, stream, got, want)
		}
	}
}

func ev(id, typ, data string) Event { return Event{ID: id, Type: typ, Data: data} }

func TestReaderSpec(t *testing.T) {
	long := strings.Repeat("0123456789", 1000) // longer than any buffer used
	tests := []struct {
		name   string
		stream string
		want   parseResult
	}{
		{name: "empty stream", stream: "", want: parseResult{}},
		{name: "simple", stream: "data: hello\n\n", want: parseResult{Events: []Event{ev("", "message", "hello")}}},
		{name: "LF endings", stream: "data: a\ndata: b\n\n", want: parseResult{Events: []Event{ev("", "message", "a\nb")}}},
		{name: "CR endings", stream: "data: a\rdata: b\r\r", want: parseResult{Events: []Event{ev("", "message", "a\nb")}}},
		{name: "CRLF endings", stream: "data: a\r\ndata: b\r\n\r\n", want: parseResult{Events: []Event{ev("", "message", "a\nb")}}},
		{name: "mixed endings", stream: "data: a\rdata: b\r\ndata: c\n\r\ndata: d\r\n\r", want: parseResult{Events: []Event{ev("", "message", "a\nb\nc"), ev("", "message", "d")}}},
		{name: "LF CR is two line ends", stream: "data: a\n\r", want: parseResult{Events: []Event{ev("", "message", "a")}}},
		{name: "BOM stripped", stream: "\uFEFFdata: x\n\n", want: parseResult{Events: []Event{ev("", "message", "x")}}},
		{name: "BOM stripped once", stream: "\uFEFF\uFEFFdata: x\n\ndata: y\n\n", want: parseResult{Events: []Event{ev("", "message", "y")}}},
		{name: "BOM later is data", stream: "data: \uFEFFx\n\n", want: parseResult{Events: []Event{ev("", "message", "\uFEFFx")}}},
		{name: "BOM only", stream: "\uFEFF", want: parseResult{}},
		{name: "partial BOM", stream: "\xEF\xBB\n\ndata: x\n\n", want: parseResult{Events: []Event{ev("", "message", "x")}}},
		{name: "no space after colon", stream: "data:x\n\n", want: parseResult{Events: []Event{ev("", "message", "x")}}},
		{name: "only one space stripped", stream: "data:  x \n\n", want: parseResult{Events: []Event{ev("", "message", " x ")}}},
		{name: "tab not stripped", stream: "data:\tx\n\n", want: parseResult{Events: []Event{ev("", "message", "\tx")}}},
		{name: "colon-less data field", stream: "data\n\n", want: parseResult{Events: []Event{ev("", "message", "")}}},
		{name: "colon-less data lines", stream: "data\ndata\ndata: x\n\n", want: parseResult{Events: []Event{ev("", "message", "\n\nx")}}},
		{name: "colon-less event resets type", stream: "event: a\nevent\ndata: x\n\n", want: parseResult{Events: []Event{ev("", "message", "x")}}},
		{name: "second colon in value", stream: "data: a: b\n\n", want: parseResult{Events: []Event{ev("", "message", "a: b")}}},
		{name: "unknown field ignored", stream: "foo: bar\ndata: x\nDATA: y\n data: z\n\n", want: parseResult{Events: []Event{ev("", "message", "x")}}},
		{name: "comment", stream: ": ping\n:pong\n:\n:  two\n\n", want: parseResult{Comments: []string{"ping", "pong", "", " two"}}},
		{name: "comment inside event", stream: "data: a\n: hb\ndata: b\n\n", want: parseResult{Events: []Event{ev("", "message", "a\nb")}, Comments: []string{"hb"}}},
		{name: "event type", stream: "event: add\ndata: 1\n\ndata: 2\n\n", want: parseResult{Events: []Event{ev("", "add", "1"), ev("", "message", "2")}}},
		{name: "last event type wins", stream: "event: a\nevent: b\ndata: 1\n\n", want: parseResult{Events: []Event{ev("", "b", "1")}}},
		{name: "empty event type", stream: "event:\ndata: 1\n\n", want: parseResult{Events: []Event{ev("", "message", "1")}}},
		{name: "type reset by empty dispatch", stream: "event: a\n\ndata: 1\n\n", want: parseResult{Events: []Event{ev("", "message", "1")}}},
		{name: "id persists", stream: "id: 1\ndata: a\n\ndata: b\n\n", want: parseResult{Events: []Event{ev("1", "message", "a"), ev("1", "message", "b")}, LastID: "1"}},
		{name: "empty id resets", stream: "id: 1\ndata: a\n\nid\ndata: b\n\nid: 2\ndata: c\n\nid:\ndata: d\n\n", want: parseResult{Events: []Event{ev("1", "message", "a"), ev("", "message", "b"), ev("2", "message", "c"), ev("", "message", "d")}}},
		{name: "id with NUL ignored", stream: "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n", want: parseResult{Events: []Event{ev("1", "message", "a"), ev("1", "message", "b")}, LastID: "1"}},
		{name: "id set without data", stream: "id: 5\n\n", want: parseResult{LastID: "5"}},
		{name: "id set before empty data check", stream: "id: 5\n\ndata: x\n\n", want: parseResult{Events: []Event{ev("5", "message", "x")}, LastID: "5"}},
		{name: "id applies at dispatch only", stream: "id: 1\ndata: a\n\nid: 2\ndata: b\n", want: parseResult{Events: []Event{ev("1", "message", "a")}, LastID: "1"}},
		{name: "id after data in same event", stream: "data: a\nid: 3\n\n", want: parseResult{Events: []Event{ev("3", "message", "a")}, LastID: "3"}},
		{name: "retry", stream: "retry: 3000\n", want: parseResult{Retry: 3000, RetryOK: true}},
		{name: "retry last valid wins", stream: "retry: 10\nretry: 20\nretry: 3x\nretry: -1\nretry: 1.5\nretry:\nretry\nretry:  5\n", want: parseResult{Retry: 20, RetryOK: true}},
		{name: "retry non-digits ignored", stream: "retry: abc\nretry: 1 \n", want: parseResult{}},
		{name: "retry no space", stream: "retry:007\n", want: parseResult{Retry: 7, RetryOK: true}},
		{name: "retry overflow clamps", stream: "retry: 99999999999999999999999\n", want: parseResult{Retry: math.MaxInt64, RetryOK: true}},
		{name: "incomplete final event discarded", stream: "data: a\n\ndata: b\n", want: parseResult{Events: []Event{ev("", "message", "a")}}},
		{name: "unterminated final line discarded", stream: "data: a\n\ndata: b", want: parseResult{Events: []Event{ev("", "message", "a")}}},
		{name: "final event ended by CR", stream: "data: a\r\r", want: parseResult{Events: []Event{ev("", "message", "a")}}},
		{name: "data ending in newline", stream: "data: x\ndata:\n\n", want: parseResult{Events: []Event{ev("", "message", "x\n")}}},
		{name: "empty data", stream: "data:\n\n", want: parseResult{Events: []Event{ev("", "message", "")}}},
		{name: "empty data no colon", stream: "data\n\n", want: parseResult{Events: []Event{ev("", "message", "")}}},
		{name: "no data no event", stream: "event: x\n\n\n\n", want: parseResult{}},
		{name: "many blank lines", stream: "\n\n\r\n\rdata: a\n\n\n\n", want: parseResult{Events: []Event{ev("", "message", "a")}}},
		{name: "long data line", stream: "data: " + long + "\n\n", want: parseResult{Events: []Event{ev("", "message", long)}}},
		{name: "long data line CR", stream: "data:" + long + "\rdata: " + long + "\r\r", want: parseResult{Events: []Event{ev("", "message", long+"\n"+long)}}},
		{name: "long data no space", stream: "data:" + long + "\n\n", want: parseResult{Events: []Event{ev("", "message", long)}}},
		{name: "long id", stream: "id: " + long + "\ndata: x\n\n", want: parseResult{Events: []Event{ev(long, "message", "x")}, LastID: long}},
		{name: "long event", stream: "event: " + long + "\ndata: x\n\n", want: parseResult{Events: []Event{ev("", long, "x")}}},
		{name: "long comment", stream: ": " + long + "\ndata: x\n\n", want: parseResult{Events: []Event{ev("", "message", "x")}, Comments: []string{long}}},
		{name: "long retry", stream: "retry: " + strings.Repeat("1", 100) + "\n", want: parseResult{Retry: math.MaxInt64, RetryOK: true}},
		{name: "long unknown field", stream: long + "\ndata: x\n\n", want: parseResult{Events: []Event{ev("", "message", "x")}}},
		{name: "long unknown field with colon", stream: long + ": data\ndata: x\n\n", want: parseResult{Events: []Event{ev("", "message", "x")}}},
		{name: "long line unterminated", stream: "data: x\n\ndata: " + long, want: parseResult{Events: []Event{ev("", "message", "x")}}},
		{name: "long line then CRLF", stream: "data: " + long + "\r\n\r\ndata: y\r\n\r\n", want: parseResult{Events: []Event{ev("", "message", long), ev("", "message", "y")}}},
		{name: "long id with NUL", stream: "id: 1\nid: " + long + "\x00\ndata: x\n\n", want: parseResult{Events: []Event{ev("1", "message", "x")}, LastID: "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			want.Err = io.EOF
			if ref := refParse(tt.stream); !reflect.DeepEqual(ref, want) {
				t.Fatalf("reference parser disagrees with the test:\n got %+v\nwant %+v", ref, want)
			}
			checkStream(t, tt.stream, want)
		})
	}
}

func TestReaderBufferBoundaries(t *testing.T) {
	// Every split of a stream with all line endings across buffer edges.
	stream := "\uFEFFid: 1\r\nevent: e\rdata: a\n\r\n: c\r\n" + "data:" + strings.Repeat("x", 40) + "\r\rdata:\r\n\n"
	want := refParse(stream)
	if len(want.Events) != 3 {
		t.Fatalf("reference parser found %d events", len(want.Events))
	}
	for size := minBufSize; size < len(stream)+2; size++ {
		for _, wrap := range []func(io.Reader) io.Reader{
			func(r io.Reader) io.Reader { return r },
			iotest.OneByteReader,
			iotest.HalfReader,
		} {
			got := readAll(NewReaderSize(wrap(strings.NewReader(stream)), size))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("size %d:\n got %+v\nwant %+v", size, got, want)
			}
		}
	}
}

func TestReaderErrors(t *testing.T) {
	errBoom := errors.New("boom")
	// Complete lines before the error are processed; the pending event is
	// dropped; the error is returned as is, and again on later calls.
	r := NewReader(io.MultiReader(strings.NewReader("data: a\n\ndata: b\n"), iotest.ErrReader(errBoom)))
	if got, err := r.Next(); err != nil || got.Data != "a" {
		t.Fatalf("first Next = %+v, %v", got, err)
	}
	for range 2 {
		if _, err := r.Next(); err != errBoom {
			t.Fatalf("Next error = %v, want %v", err, errBoom)
		}
	}
	// A reader that never makes progress.
	r = NewReader(zeroReader{})
	if _, err := r.Next(); err != io.ErrNoProgress {
		t.Fatalf("Next error = %v, want io.ErrNoProgress", err)
	}
	// An error in the middle of a long line.
	r = NewReaderSize(io.MultiReader(strings.NewReader("data: "+strings.Repeat("x", 100)), iotest.ErrReader(errBoom)), 16)
	if _, err := r.Next(); err != errBoom {
		t.Fatalf("Next error = %v, want %v", err, errBoom)
	}
	// EOF after the event is sticky.
	r = NewReader(strings.NewReader("data: a\n\n"))
	r.Next()
	for range 2 {
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("Next error = %v, want io.EOF", err)
		}
	}
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

func TestReaderStringReuse(t *testing.T) {
	// Strings handed out must stay valid after later events overwrite the
	// internal buffers.
	var b []byte
	for i := range 50 {
		b = AppendEvent(b, fmt.Sprint(i), fmt.Sprint("t", i%3), []byte(fmt.Sprint("payload ", i)))
		b = AppendComment(b, fmt.Sprint("c", i%2))
	}
	r := NewReaderSize(bytes.NewReader(b), 16)
	var comments []string
	r.OnComment = func(s string) { comments = append(comments, s) }
	var evs []Event
	for {
		e, err := r.Next()
		if err != nil {
			break
		}
		evs = append(evs, e)
	}
	for i, e := range evs {
		want := ev(fmt.Sprint(i), fmt.Sprint("t", i%3), fmt.Sprint("payload ", i))
		if e != want {
			t.Fatalf("event %d = %+v, want %+v", i, e, want)
		}
	}
	for i, c := range comments {
		if c != fmt.Sprint("c", i%2) {
			t.Fatalf("comment %d = %q", i, c)
		}
	}
}

func TestReaderAllocs(t *testing.T) {
	var stream []byte
	for i := range 100 {
		stream = AppendEvent(stream, fmt.Sprint(1000+i), "update", []byte(`{"n":1,"text":"hello"}`))
		stream = AppendComment(stream, "hb")
	}
	allocs := testing.AllocsPerRun(20, func() {
		r := NewReader(bytes.NewReader(stream))
		r.OnComment = func(string) {}
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
	})
	// One allocation per event (data and id share it), plus the reader, its
	// buffers and the cached type and comment strings.
	if allocs > 100+10 {
		t.Fatalf("%v allocations for 100 events, want at most 110", allocs)
	}
}

func TestReaderSmallSizeAndLargeEvents(t *testing.T) {
	// A size below the minimum is raised; buffers grown for one huge event
	// are released afterwards and the next events still parse.
	huge := strings.Repeat("h", maxKeptBuf+1)
	stream := ": " + huge + "\nid: " + huge + "\ndata: " + huge + "\n\nid: 2\ndata: small\n\n"
	for _, size := range []int{-1, 0, 1, 15} {
		r := NewReaderSize(strings.NewReader(stream), size)
		var comment string
		r.OnComment = func(s string) { comment = s }
		if len(r.buf) != minBufSize {
			t.Fatalf("NewReaderSize(%d): buffer of %d bytes", size, len(r.buf))
		}
		if e, err := r.Next(); err != nil || e != ev(huge, "message", huge) || comment != huge {
			t.Fatalf("first event: %v", err)
		}
		if cap(r.data) > maxKeptBuf || cap(r.long) > maxKeptBuf {
			t.Fatalf("buffers kept: data %d, long %d", cap(r.data), cap(r.long))
		}
		if e, err := r.Next(); err != nil || e != ev("2", "message", "small") {
			t.Fatalf("second event = %+v, %v", e, err)
		}
	}
}
