package mercure

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ssehub/ssehub"
)

// reservedNamespace is in the topics of the hub's own updates (the
// subscription events): a publisher may not forge them.
const reservedNamespace = "/.well-known/mercure"

// maxRetry is the longest retry a publisher may give, in milliseconds:
// what a time.Duration holds.
const maxRetry = uint64(1<<63-1) / uint64(time.Millisecond)

// publish serves POST Path: one update. The checks come in the Mercure
// hub's order, each with its status and text: the token (401), the form
// (400), the claim's cover of the topics (401), the reserved namespace
// (403), the id and type (400); then a publisher's id that a retained
// update has already (409). Nothing is published when one fails.
func (m *Handler) publish(w http.ResponseWriter, r *http.Request) {
	c, err := authorize(r, m.cfg.Publisher, m.cfg.PublishOrigins)
	if err != nil || c == nil || c.Mercure.Publish == nil {
		unauthorized(w)
		return
	}
	msg, code, text := m.update(w, r, c)
	if code == 0 && r.PostForm.Get("id") != "" {
		code, text = m.unused(r, msg.EventID)
	}
	if code != 0 {
		if code == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "1")
		}
		http.Error(w, text, code)
		return
	}
	if _, err := m.hub.Publish(r.Context(), msg); err != nil {
		publishFailed(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(msg.EventID))
}

// update reads r's form into the message to publish, or returns the
// status and text of its refusal.
func (m *Handler) update(w http.ResponseWriter, r *http.Request, c *claims) (ssehub.Message, int, string) {
	r.Body = http.MaxBytesReader(w, r.Body, m.cfg.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		return ssehub.Message{}, formError(err), http.StatusText(formError(err))
	}
	f := r.PostForm
	topics := f["topic"]
	switch {
	case len(topics) == 0:
		return ssehub.Message{}, http.StatusBadRequest, `Missing "topic" parameter`
	case len(topics) > maxSelectors:
		return ssehub.Message{}, http.StatusBadRequest, "too many topics in update"
	}
	var retry uint64
	if s := f.Get("retry"); s != "" {
		var err error
		if retry, err = strconv.ParseUint(s, 10, 64); err != nil || retry > maxRetry {
			return ssehub.Message{}, http.StatusBadRequest, `Invalid "retry" parameter`
		}
	}
	if !mayPublish(topics, c.Mercure.Publish) {
		return ssehub.Message{}, http.StatusUnauthorized, http.StatusText(http.StatusUnauthorized)
	}
	msg := ssehub.Message{
		Topics:  topics,
		Data:    []byte(f.Get("data")),
		Type:    f.Get("type"),
		EventID: f.Get("id"),
		Private: len(f["private"]) != 0,
		Retry:   time.Duration(retry) * time.Millisecond,
	}
	if code, text := m.check(&msg); code != 0 {
		return ssehub.Message{}, code, text
	}
	if msg.EventID == "" {
		msg.EventID = newURN()
	}
	return msg, 0, ""
}

// check applies the Mercure hub's validation of an update, and the hub's
// own bound on its data.
func (m *Handler) check(msg *ssehub.Message) (int, string) {
	for _, t := range msg.Topics {
		if strings.Contains(t, reservedNamespace) {
			return http.StatusForbidden, fmt.Sprintf(`%q: topic value references the reserved "/.well-known/mercure" namespace`, t)
		}
	}
	switch {
	case strings.ContainsAny(msg.EventID, "\x00\r\n"):
		return http.StatusBadRequest, `"id" field contains a forbidden control character`
	case msg.EventID == ssehub.Earliest:
		// What a subscriber sends for "all the history": an event with
		// that id could never be resumed after.
		return http.StatusBadRequest, `"id" field uses the reserved value "earliest"`
	case strings.ContainsAny(msg.Type, "\x00\r\n"):
		return http.StatusBadRequest, `"type" field contains a forbidden control character`
	case m.cfg.MaxDataBytes > 0 && len(msg.Data) > m.cfg.MaxDataBytes:
		return http.StatusRequestEntityTooLarge, fmt.Sprintf(`"data" field has %d bytes, more than the %d allowed`, len(msg.Data), m.cfg.MaxDataBytes)
	}
	return 0, ""
}

// unused checks that no retained update has the publisher's id (409):
// a Last-Event-ID must name one event, or a client that saw the first
// copy would resume after the newest one and skip what came between.
func (m *Handler) unused(r *http.Request, id string) (int, string) {
	known, err := m.hub.HasEventID(r.Context(), id)
	switch {
	case err != nil:
		return http.StatusServiceUnavailable, http.StatusText(http.StatusServiceUnavailable)
	case known:
		return http.StatusConflict, fmt.Sprintf(`"id" field: %q is the id of a retained update already`, id)
	}
	return 0, ""
}

// formError is the status of a form that could not be read: too large
// (413), too late (408), or malformed (400).
func formError(err error) int {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, os.ErrDeadlineExceeded):
		return http.StatusRequestTimeout
	}
	return http.StatusBadRequest
}

// publishFailed answers an update the hub did not publish: invalid for
// ssehub (400: a topic too long, say), the hub shutting down or its store
// unreachable (503, to retry), or another failure (500).
func publishFailed(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ssehub.ErrInvalid):
		http.Error(w, err.Error(), http.StatusBadRequest)
	case errors.Is(err, ssehub.ErrClosed), errors.Is(err, ssehub.ErrUnavailable):
		w.Header().Set("Retry-After", "1")
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
	default:
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
}
