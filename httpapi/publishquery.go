package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// noQuery refuses a publish whose URL has a query. Its fields are in the
// body only, so a query (publish?broadcast=true, or curl's URL where -d
// was meant) would otherwise be ignored without a word, and the event go
// to another audience than the one the caller wrote, as an unknown body
// field would: that is refused too.
func noQuery(r *http.Request) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || len(q) == 0 {
		return fmt.Errorf("/publish takes no query: give every field in the body (JSON or a form)")
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	if len(names) > 3 {
		names = append(names[:3], "…")
	}
	for i, name := range names[:min(len(names), 3)] {
		if len(name) > 64 {
			name = name[:64] + "…"
		}
		names[i] = strconv.Quote(name)
	}
	return fmt.Errorf("query parameter %s on /publish: give every field in the body (JSON or a form), not in the URL", strings.Join(names, ", "))
}
