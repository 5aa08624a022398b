package sse

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// normalize returns what a client sees for data: CRLF and CR become LF.
func normalize(data []byte) string {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// validOnly drops the bytes ValidField rejects.
func validOnly(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '\r', '\n', 0:
			return -1
		}
		return r
	}, s)
}

func FuzzRoundTrip(f *testing.F) {
	for _, d := range []string{
		"", "\n", "a\r\nb", "\r", "x\n\n", "\x00", "\xff\xfe\xc3", "\uFEFF", "\uFEFFdata: x\n\n",
		"a\rb\nc\r\n", "\r\r\n\n\r", " leading", ":colon", "id: 3\n\nevent: x",
		strings.Repeat("long line ", 420) + "\r" + strings.Repeat("y", 300),
	} {
		f.Add([]byte(d), "", "")
		f.Add([]byte(d), "42", "update")
	}
	f.Add([]byte("x"), " sp", "a:b")
	f.Add([]byte("x"), "\uFEFF", "\xff")
	f.Fuzz(func(t *testing.T, data []byte, id, typ string) {
		id, typ = validOnly(id), validOnly(typ)
		if !ValidField(id) || !ValidField(typ) {
			t.Fatalf("validOnly(%q, %q) is not valid", id, typ)
		}
		wantType := typ
		if wantType == "" {
			wantType = "message"
		}
		want := Event{ID: id, Type: wantType, Data: normalize(data)}

		// One event, read with a large and with a tiny buffer.
		single := AppendEvent(nil, id, typ, data)
		for _, r := range []*Reader{
			NewReader(bytes.NewReader(single)),
			NewReaderSize(iotest.OneByteReader(bytes.NewReader(single)), 16),
		} {
			got, err := r.Next()
			if err != nil || got != want {
				t.Fatalf("wire %q: Next = %+v, %v; want %+v", single, got, err, want)
			}
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("wire %q: second Next error = %v, want io.EOF", single, err)
			}
		}

		// Several events back to back, with comments and fields between
		// them: the id persists, and an empty id field resets it.
		half := data[:len(data)/2]
		var s []byte
		s = AppendField(s, "retry", "2500")
		s = AppendEvent(s, id, typ, data)
		s = AppendComment(s, string(data))
		s = AppendEvent(s, "", "", data)
		s = AppendEvent(s, id+"x", typ, half)
		s = AppendField(s, "id", "")
		s = append(s, '\n') // dispatches nothing, but sets the last event ID
		s = AppendEvent(s, "", typ, data)
		wantEvents := []Event{
			want,
			{ID: id, Type: "message", Data: want.Data},
			{ID: id + "x", Type: wantType, Data: normalize(half)},
			{ID: "", Type: wantType, Data: want.Data},
		}
		wantRes := parseResult{
			Events:   wantEvents,
			Comments: strings.Split(normalize(data), "\n"),
			Retry:    2500,
			RetryOK:  true,
			Err:      io.EOF,
		}
		for name, r := range readerVariants(string(s)) {
			if got := readAll(r); !reflect.DeepEqual(got, wantRes) {
				t.Fatalf("%s: stream %q\n got %+v\nwant %+v", name, s, got, wantRes)
			}
		}
	})
}

// FuzzReader checks Reader against a direct transcription of the standard's
// parsing rules on arbitrary streams, with several buffer sizes and read
// patterns.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"", "data: x\n\n", "\uFEFFid: 1\r\ndata:a\r\rdata\n\n", "retry: 12\nretry: x\n",
		"event: e\ndata: 1\ndata: 2\n\n: c\nid: 2\x00\n\nid\n\n", "data: a\n\r\n\r", "\xEF\xBB\n\n",
		"data: " + strings.Repeat("z", 100) + "\r\n\r\n", ":" + strings.Repeat("c", 50) + "\rdata: y\r\r",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		checkStream(t, string(stream), refParse(string(stream)))
	})
}
