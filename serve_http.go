package ssehub

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ssehub/ssehub/internal/engine"
	"github.com/ssehub/ssehub/internal/socket"
	"github.com/ssehub/ssehub/internal/suggest"
)

// This file is the hub's HTTP face: the handlers an application mounts,
// the Authorizer they ask, the TLS listener to serve them with, and how a
// refused stream is answered. What is refused, and why, is
// decided elsewhere (admitStream, checkQuery, Limits); the status codes and
// the JSON body are decided here.

// ServeHTTP serves an event stream for the client named by the "id" query
// parameter (a random id when absent), subscribed to every "topic" parameter.
// A query that does not parse, or that has a parameter other than id,
// topic, lastEventId, token and those of Config.QueryParams, gets 400,
// before anything is counted or opened. With a Config.Authorizer, the
// Authorizer decides (401 or 403 when it refuses). See ServeStream.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A parameter that does not parse must not silently subscribe the
	// stream to less than the client asked for.
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		h.refuse(w, invalidRefusal("malformed query: "+err.Error()))
		return
	}
	if no := h.checkQuery(q); no != nil {
		h.refuse(w, no)
		return
	}
	if len(q["id"]) > 1 {
		h.refuse(w, invalidRefusal("id given more than once: give one client id"))
		return
	}
	sub := Subscription{Client: q.Get("id"), Topics: q["topic"]}
	if h.cfg.Authorizer != nil {
		if sub, err = h.cfg.Authorizer.Authorize(r, sub); err != nil {
			h.refuse(w, authRefusal(err))
			return
		}
	}
	if sub.Client == "" {
		sub.Client = newClientID()
	}
	h.ServeStream(w, r, sub)
}

// ServeStream serves one event stream for sub. An invalid subscription gets
// 400 with a JSON {"error": ...}. Otherwise the stream opens at once (status
// 200, "retry:"), replays what the client missed if the request carries a
// Last-Event-ID header (or a lastEventId query parameter, for clients that
// cannot set headers), and then delivers live events until the client leaves
// or the hub shuts down. While the hub shuts down, a stream is opened and
// ended at once, so that browsers retry later instead of giving up (any
// status but 200 makes an EventSource stop for good).
//
// A subscription with Selectors is served as the Mercure hub serves a
// subscriber. Its response has a Last-Event-ID header naming the newest
// event when the stream opened (its EventID, or its sequence number;
// Earliest when the log has none), and the stream delivers every event
// after it that it receives. A Last-Event-ID the request carries resumes
// the stream exactly after it when the log knows it, or from the oldest
// retained event when it is Earliest; an id the log does not know (never
// issued, or no longer retained) replays nothing and sends no reset
// event.
func (h *Hub) ServeStream(w http.ResponseWriter, r *http.Request, sub Subscription) {
	if err := h.cfg.Limits.checkSubscription(&sub); err != nil {
		h.refuse(w, invalidRefusal(err.Error()))
		return
	}
	if r.Method == http.MethodHead || h.gate.isClosing() {
		engine.StreamHeader(w.Header())
		w.WriteHeader(http.StatusOK)
		w.Write(h.hello())
		return
	}
	addr := remoteIP(r)
	release, no := h.holdTemplates(&sub)
	if no != nil {
		h.refuse(w, no)
		return
	}
	defer release()
	if no := h.admitStream(r.Context(), sub, addr); no != nil {
		h.refuse(w, no)
		return
	}
	h.serveAdmitted(w, r, sub, addr)
}

// An Authorizer decides whether a request may open an event stream, and
// with what subscription. Set one in Config.Authorizer and ServeHTTP asks
// it for every stream; an application that decides itself calls
// ServeStream with the subscription instead. Package jwtauth is one, for
// signed tokens. An Authorizer that reads query parameters of its own
// needs them listed in Config.QueryParams (jwtauth's token is known).
type Authorizer interface {
	// Authorize checks r's credentials against what the stream asks for:
	// the client id and topics of its query (Client is empty when the query
	// names none). It returns the subscription to serve, with Expires set
	// when the credentials expire. An error wrapping ErrUnauthorized (no
	// valid credentials) makes the answer 401; one wrapping ErrForbidden
	// (valid credentials that do not allow what was asked) makes it 403.
	// The error's text is sent to the client: it must not echo a secret.
	Authorize(r *http.Request, asked Subscription) (Subscription, error)
}

// Errors of an Authorizer: see Authorizer.Authorize.
var (
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
)

// TLSListener returns a listener that serves TLS over inner with cfg, as
// tls.NewListener does, for an http.Server serving a Hub. Through it, a
// taken-over HTTP/1.1 stream over TLS costs what a plain one does: its
// writes never wait for the client (the hub's few writers serve every
// stream) and a client's hang-up is noticed at once. Over an application's
// own TLS listener streams work all the same, but each write to a client
// that is slow to take it waits on a goroutine of its own. Add "h2" to
// cfg.NextProtos (and HTTP/2 to the server's Protocols) to offer HTTP/2,
// whose streams stay on net/http's handlers.
func TLSListener(inner net.Listener, cfg *tls.Config) net.Listener {
	return socket.TLSListener(inner, cfg)
}

// streamParams are the query parameters of a stream that the hub reads:
// ServeHTTP (id, topic), lastEventID (lastEventId), and package jwtauth
// (token), which is the hub's own Authorizer.
var streamParams = []string{"id", "topic", "lastEventId", "token"}

// checkQuery refuses a stream whose query has a parameter that neither the
// hub nor Config.QueryParams knows: a misspelt parameter (topics for topic)
// would otherwise open a stream that silently receives less than the
// client asked for. Of several, the first in alphabetical order is named.
func (h *Hub) checkQuery(q url.Values) *refusal {
	var unknown []string
	for name := range q {
		if !slices.Contains(streamParams, name) && !slices.Contains(h.cfg.QueryParams, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	name := slices.Min(unknown)
	known := slices.Concat(streamParams, h.cfg.QueryParams)
	msg := "unknown query parameter " + strconv.Quote(name)
	if near := suggest.Closest(name, known); near != "" {
		msg += " (did you mean " + strconv.Quote(near) + "?)"
	} else {
		msg += " (a stream takes " + strings.Join(known, ", ") + ")"
	}
	return invalidRefusal(msg)
}

// refusalStatus is the HTTP status of a stream refused for each reason.
var refusalStatus = [numRefusalReasons]int{
	refusedHubFull:      http.StatusServiceUnavailable,
	refusedClientLimit:  http.StatusTooManyRequests,
	refusedAddressLimit: http.StatusTooManyRequests,
	refusedUnauthorized: http.StatusUnauthorized,
	refusedForbidden:    http.StatusForbidden,
	refusedInvalid:      http.StatusBadRequest,
}

// refuse counts and answers a stream refused before it opened: a limit's
// refusal says when to come back, an unauthorized one how to authenticate.
func (h *Hub) refuse(w http.ResponseWriter, r *refusal) {
	h.tally.refused[r.why].Add(1)
	if r.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(r.retryAfter.Seconds())))
	}
	code := refusalStatus[r.why]
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ssehub"`)
	}
	writeError(w, code, r.msg)
}

// writeError answers a request the hub refuses with a JSON {"error": msg}.
func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(struct {
		Error string `json:"error"`
	}{msg})
}
