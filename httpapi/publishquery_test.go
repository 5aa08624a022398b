package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// A publish's fields are in its body: a query is refused with a 400 that
// names it, and nothing is published, rather than ignored (which made
// publish?broadcast=true reach only the body's clients, and curl's URL
// where -d was meant a puzzling "no target").
func TestPublishRefusesQuery(t *testing.T) {
	v := newVictim(t)
	const ctJSON, ctForm = "application/json", "application/x-www-form-urlencoded"
	cases := []struct {
		name, query, contentType, body string
		words                          []string
	}{
		{"broadcast beside a JSON target", "broadcast=true", ctJSON, `{"clients": ["bob"], "data": "x"}`, []string{`"broadcast"`, "body"}},
		{"every field in the URL", "client=alice&data=x", ctForm, ``, []string{`"client"`, `"data"`}},
		{"form fields in both", "topic=room", ctForm, `client=alice&data=x`, []string{`"topic"`}},
		{"a batch", "ephemeral=true", ctJSON, `[{"clients": ["alice"], "data": "x"}]`, []string{`"ephemeral"`}},
		{"a bare name", "x", ctJSON, `{"clients": ["alice"], "data": "x"}`, []string{`"x"`}},
		{"a malformed query", "a=%zz", ctJSON, `{"clients": ["alice"], "data": "x"}`, []string{"no query"}},
		{"many names", "a=1&b=2&c=3&d=4&e=5", ctJSON, `{"clients": ["alice"], "data": "x"}`, []string{`"a"`, `"c"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, h, body := v.ts.do(t, http.MethodPost, "/publish?"+c.query, c.contentType, strings.NewReader(c.body))
			checkError(t, code, h, body, http.StatusBadRequest, c.words...)
			v.good(t)
		})
	}
}
