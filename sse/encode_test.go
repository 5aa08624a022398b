package sse

import (
	"strings"
	"testing"
	"time"
)

func TestAppendEvent(t *testing.T) {
	tests := []struct {
		name     string
		id, typ  string
		data     string
		want     string
		wantData string // what a client sees; "" means same as data
	}{
		{name: "plain", data: "hello", want: "data: hello\n\n"},
		{name: "id and type", id: "42", typ: "update", data: "x", want: "id: 42\nevent: update\ndata: x\n\n"},
		{name: "id only", id: "7", data: "x", want: "id: 7\ndata: x\n\n"},
		{name: "type only", typ: "t", data: "x", want: "event: t\ndata: x\n\n"},
		{name: "empty data", data: "", want: "data:\n\n"},
		{name: "empty data with id", id: "1", data: "", want: "id: 1\ndata:\n\n"},
		{name: "LF lines", data: "a\nb\nc", want: "data: a\ndata: b\ndata: c\n\n"},
		{name: "CRLF lines", data: "a\r\nb", want: "data: a\ndata: b\n\n", wantData: "a\nb"},
		{name: "CR lines", data: "a\rb", want: "data: a\ndata: b\n\n", wantData: "a\nb"},
		{name: "LF CR is two breaks", data: "a\n\rb", want: "data: a\ndata:\ndata: b\n\n", wantData: "a\n\nb"},
		{name: "mixed", data: "a\r\n\r\nb\rc\n", want: "data: a\ndata:\ndata: b\ndata: c\ndata:\n\n", wantData: "a\n\nb\nc\n"},
		{name: "trailing LF", data: "x\n", want: "data: x\ndata:\n\n"},
		{name: "two trailing LFs", data: "x\n\n", want: "data: x\ndata:\ndata:\n\n"},
		{name: "only LF", data: "\n", want: "data:\ndata:\n\n"},
		{name: "only CR", data: "\r", want: "data:\ndata:\n\n", wantData: "\n"},
		{name: "only CRLF", data: "\r\n", want: "data:\ndata:\n\n", wantData: "\n"},
		{name: "leading LF", data: "\nx", want: "data:\ndata: x\n\n"},
		{name: "leading space kept", data: " x", want: "data:  x\n\n"},
		{name: "colon in data", data: "a: b", want: "data: a: b\n\n"},
		{name: "comment-like data", data: ":x", want: "data: :x\n\n"},
		{name: "NUL in data", data: "a\x00b", want: "data: a\x00b\n\n"},
		{name: "BOM in data", data: "\uFEFFx", want: "data: \uFEFFx\n\n"},
		{name: "id with space", id: " a", data: "x", want: "id:  a\ndata: x\n\n"},
		{name: "id with colon", id: "a:b", data: "x", want: "id: a:b\ndata: x\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendEvent([]byte("prefix"), tt.id, tt.typ, []byte(tt.data))
			if string(got) != "prefix"+tt.want {
				t.Fatalf("AppendEvent(%q, %q, %q) = %q, want %q", tt.id, tt.typ, tt.data, got[len("prefix"):], tt.want)
			}
			// The wire form must decode back to the event.
			ev, err := NewReader(strings.NewReader(tt.want)).Next()
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			wantData := tt.wantData
			if wantData == "" {
				wantData = tt.data
			}
			wantType := tt.typ
			if wantType == "" {
				wantType = "message"
			}
			if ev != (Event{ID: tt.id, Type: wantType, Data: wantData}) {
				t.Fatalf("decoded %+v, want id %q type %q data %q", ev, tt.id, wantType, wantData)
			}
		})
	}
}

func TestAppendField(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{"retry", "3000", "retry: 3000\n"},
		{"id", "9", "id: 9\n"},
		{"id", "", "id: \n"},
		{"event", "x y", "event: x y\n"},
	}
	for _, tt := range tests {
		if got := AppendField(nil, tt.name, tt.value); string(got) != tt.want {
			t.Errorf("AppendField(%q, %q) = %q, want %q", tt.name, tt.value, got, tt.want)
		}
	}
}

func TestAppendComment(t *testing.T) {
	tests := []struct{ text, want string }{
		{"", ":\n"},
		{"ping", ": ping\n"},
		{" ping", ":  ping\n"},
		{"a\nb", ": a\n: b\n"},
		{"a\r\nb\rc", ": a\n: b\n: c\n"},
		{"a\n", ": a\n:\n"},
		{"\n\n", ":\n:\n:\n"},
	}
	for _, tt := range tests {
		if got := AppendComment(nil, tt.text); string(got) != tt.want {
			t.Errorf("AppendComment(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestValidField(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"", true},
		{"abc", true},
		{"a b:c", true},
		{"é\uFEFF", true},
		{"\xff", true},
		{"a\nb", false},
		{"a\rb", false},
		{"\r\n", false},
		{"a\x00", false},
	}
	for _, tt := range tests {
		if got := ValidField(tt.s); got != tt.want {
			t.Errorf("ValidField(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestAppendNoAlloc(t *testing.T) {
	buf := make([]byte, 0, 1024)
	data := []byte("line one\r\nline two\rline three\n")
	allocs := testing.AllocsPerRun(100, func() {
		b := AppendEvent(buf[:0], "12345", "update", data)
		b = AppendField(b, "retry", "1000")
		b = AppendComment(b, "heartbeat\nsecond")
		_ = b
	})
	if allocs != 0 {
		t.Fatalf("got %v allocations, want 0", allocs)
	}
}

func TestAppendLongCROnlyData(t *testing.T) {
	// Many CR-separated pieces: checks the output, and that it is not
	// quadratic (this would take seconds if every piece rescanned for LF).
	data := []byte(strings.Repeat("x\r", 200000))
	got := AppendEvent(nil, "", "", data)
	want := strings.Repeat("data: x\n", 200000) + "data:\n\n"
	if string(got) != want {
		t.Fatal("wrong encoding of CR-separated data")
	}
}

// AppendRetry writes whole milliseconds, which a client reads back as its
// reconnection delay, and never a negative number.
func TestAppendRetry(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Second: "retry: 1000\n", 1500 * time.Microsecond: "retry: 1\n", 0: "retry: 0\n", -time.Second: "retry: 0\n",
	} {
		if got := string(AppendRetry(nil, d)); got != want {
			t.Errorf("AppendRetry(%v) = %q, want %q", d, got, want)
		}
	}
	stream := string(AppendEvent(AppendRetry(nil, 2500*time.Millisecond), "7", "", []byte("x")))
	r := NewReader(strings.NewReader(stream))
	ev, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if ms, ok := r.Retry(); ev.ID != "7" || string(ev.Data) != "x" || !ok || ms != 2500 {
		t.Fatalf("read back %+v, retry %d ms from %q", ev, ms, stream)
	}
}
