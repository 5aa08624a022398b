package ssehub

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ssehub/ssehub/internal/suggest"
)

// streamParams are the query parameters of a stream that the hub reads:
// ServeHTTP (id, topic), lastEventID (lastEventId), and package jwtauth
// (token), which is the hub's own Authorizer.
var streamParams = []string{"id", "topic", "lastEventId", "token"}

// checkQuery refuses a stream whose query has a parameter that neither the
// hub nor Config.QueryParams knows: a misspelt parameter (topics for topic)
// would otherwise open a stream that silently receives less than the
// client asked for. Of several, the first in alphabetical order is named.
func (h *Hub) checkQuery(q url.Values) (refusal, bool) {
	var unknown []string
	for name := range q {
		if !slices.Contains(streamParams, name) && !slices.Contains(h.cfg.QueryParams, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return refusal{}, true
	}
	name := slices.Min(unknown)
	known := slices.Concat(streamParams, h.cfg.QueryParams)
	msg := "unknown query parameter " + strconv.Quote(name)
	if near := suggest.Closest(name, known); near != "" {
		msg += " (did you mean " + strconv.Quote(near) + "?)"
	} else {
		msg += " (a stream takes " + strings.Join(known, ", ") + ")"
	}
	return refusal{RefusedInvalid, msg}, false
}
