package httpapi

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ssehub/ssehub"
)

// The publish decoder never panics, and what it accepts is what the hub
// can publish or refuses with ErrInvalid: never a half-read body taken as
// a message, never a JSON body that is not UTF-8.
func FuzzDecodePublish(f *testing.F) {
	for _, seed := range []struct{ ct, body string }{
		{"application/json", `{"clients": ["alice"], "data": "hi"}`},
		{"application/json", `[{"topics": ["t"], "event": "chat", "data": {"n": 1}}, {"broadcast": true, "ephemeral": true}]`},
		{"application/json", `{"broadcast": true, "data": "line\nbreak\r\n"}`},
		{"application/json", `[]`},
		{"application/json", `{"clients": "alice"}`},
		{"application/json; charset=utf-8", `{"broadcast": true} {"broadcast": true}`},
		{"application/json", "{\"clients\": [\"\xff\xfe\"], \"data\": \"x\"}"},
		{"application/json", "[{\"broadcast\": true}, {\"broadcast\": true, \"data\": {\"k\xff\": [\"\xed\xa0\x80\"]}}]"},
		{"application/json", `{"clients": ["a\ud800"], "data": "\udc00\ud83d\ude00"}`},
		{"application/json", `{"Clients": ["a"], "DATA": "x"}`},
		{"application/json", `{"clients": ["a"], "clients": ["b"], "data": {"x": 1, "\u0078": 2}}`},
		{"application/json", `{"topics": ["news*"], "data": "x"}`},
		{"application/x-www-form-urlencoded", "client=alice&client=bob&data=x&event=e"},
		{"application/x-www-form-urlencoded", "broadcast=true&ephemeral=1&data=%00%0d%0a"},
		{"application/x-www-form-urlencoded", "topic=a&unknown=1"},
		{"text/plain", "hello"},
	} {
		f.Add(seed.ct, seed.body)
	}
	f.Fuzz(func(t *testing.T, contentType, body string) {
		r := httptest.NewRequest("POST", "/publish", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		msgs, batch, err := decodePublish(r)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error with no text")
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("an error that is not UTF-8: %q", err.Error())
			}
			return
		}
		if strings.HasPrefix(contentType, "application/json") && !utf8.ValidString(body) {
			t.Fatalf("accepted a JSON body that is not UTF-8: %q", body)
		}
		if len(msgs) == 0 || (!batch && len(msgs) != 1) {
			t.Fatalf("accepted %d messages (batch %v)", len(msgs), batch)
		}
		for _, m := range msgs {
			if err := m.Validate(); err != nil && !errors.Is(err, ssehub.ErrInvalid) {
				t.Fatalf("Validate of an accepted message: %v, want nil or ErrInvalid", err)
			}
		}
	})
}
