package httpapi

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/suggest"
)

type publishResponse struct {
	ID          string `json:"id,omitempty"` // none for an ephemeral event
	Connections int    `json:"connections"`
	Repeated    bool   `json:"repeated,omitempty"` // an Idempotency-Key seen before: nothing new was published
}

// publish answers POST /publish: one event, from a JSON or a form body, or
// a batch of events, from a JSON array.
func (a *api) publish(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, a.cfg.MaxBodyBytes)
	msgs, batch, err := decodePublish(r)
	if err == nil {
		err = a.checkData(msgs)
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", a.cfg.MaxBodyBytes))
		case errors.Is(err, os.ErrDeadlineExceeded):
			w.Header().Set("Connection", "close") // the rest of the body may still come: it must not be read as a request
			writeError(w, http.StatusRequestTimeout, fmt.Sprintf("the request body did not arrive within %v (-body-timeout): send it whole, without pausing", a.cfg.BodyTimeout))
		case errors.Is(err, errDataTooLarge):
			writeError(w, http.StatusRequestEntityTooLarge, err.Error())
		case errors.Is(err, errMediaType):
			writeError(w, http.StatusUnsupportedMediaType, err.Error())
		default:
			writeError(w, http.StatusBadRequest, err.Error())
		}
		return
	}
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		a.publishOnce(w, r, key, msgs, batch)
		return
	}
	if !batch {
		rec, err := a.hub.Publish(r.Context(), msgs[0])
		if err != nil {
			publishError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, receipt(rec))
		return
	}
	recs, err := a.hub.PublishBatch(r.Context(), msgs)
	if err != nil && len(recs) > 0 { // the log failed part way: say what was published
		writeJSON(w, http.StatusInternalServerError, partialBatch{
			Error:     "publish failed after " + strconv.Itoa(len(recs)) + " events: " + err.Error(),
			Published: receipts(recs),
		})
		return
	}
	if err != nil {
		publishError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, receipts(recs))
}

// publishOnce publishes under an Idempotency-Key: a repeat of the key with
// the same body answers the first call's receipts (marked repeated); with
// another body, 422.
func (a *api) publishOnce(w http.ResponseWriter, r *http.Request, key string, msgs []ssehub.Message, batch bool) {
	recs, err := a.hub.PublishOnce(r.Context(), key, msgs)
	switch {
	case errors.Is(err, ssehub.ErrKeyReused):
		writeError(w, http.StatusUnprocessableEntity, "Idempotency-Key already used with another body: use a new key for a new publish")
	case err != nil:
		publishError(w, err)
	case batch:
		writeJSON(w, http.StatusOK, receipts(recs))
	default:
		writeJSON(w, http.StatusOK, receipt(recs[0]))
	}
}

type partialBatch struct {
	Error     string            `json:"error"`
	Published []publishResponse `json:"published"`
}

func receipt(r ssehub.Receipt) publishResponse {
	return publishResponse{ID: r.ID, Connections: r.Streams, Repeated: r.Repeated}
}

func receipts(rs []ssehub.Receipt) []publishResponse {
	out := make([]publishResponse, len(rs))
	for i, r := range rs {
		out[i] = receipt(r)
	}
	return out
}

var errDataTooLarge = errors.New("data too large")

// checkData refuses events whose data is over Config.MaxDataBytes.
func (a *api) checkData(msgs []ssehub.Message) error {
	for i, m := range msgs {
		if limit := a.cfg.MaxDataBytes; limit > 0 && len(m.Data) > limit {
			return fmt.Errorf("%w: message %d has %d bytes of data, at most %d", errDataTooLarge, i, len(m.Data), limit)
		}
	}
	return nil
}

var errMediaType = errors.New("Content-Type must be application/json or application/x-www-form-urlencoded")

// decodePublish reads a publish request's messages, and whether it is a
// batch (a JSON array).
func decodePublish(r *http.Request) (msgs []ssehub.Message, batch bool, err error) {
	if err := noQuery(r); err != nil {
		return nil, false, err
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil, false, errMediaType
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, false, errMediaType
	}
	switch mt {
	case "application/json":
		return decodeJSON(r.Body)
	case "application/x-www-form-urlencoded":
		m, err := decodeForm(r)
		return []ssehub.Message{m}, false, err
	}
	return nil, false, errMediaType
}

func decodeForm(r *http.Request) (ssehub.Message, error) {
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) || errors.Is(err, os.ErrDeadlineExceeded) {
			return ssehub.Message{}, err
		}
		return ssehub.Message{}, fmt.Errorf("malformed form body: %v", err)
	}
	f := r.PostForm
	for _, name := range []string{"event", "data", "broadcast", "ephemeral"} {
		if n := len(f[name]); n > 1 {
			return ssehub.Message{}, fmt.Errorf("form field %q given %d times: give it at most once", name, n)
		}
	}
	m := ssehub.Message{
		Clients: f["client"],
		Topics:  f["topic"],
		Type:    f.Get("event"),
		Data:    []byte(f.Get("data")),
	}
	for name, flag := range map[string]*bool{"broadcast": &m.Broadcast, "ephemeral": &m.Ephemeral} {
		if v := f.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return ssehub.Message{}, fmt.Errorf("%s must be true or false, not %q", name, v)
			}
			*flag = b
		}
	}
	for name := range f {
		if !slices.Contains(formFields, name) {
			return ssehub.Message{}, unknownFormField(name)
		}
	}
	if len(m.Clients) == 0 && len(m.Topics) == 0 && !m.Broadcast { // named as the form names them
		return ssehub.Message{}, errors.New("no target: give at least one client or topic field, or broadcast=true")
	}
	return m, nil
}

// formFields are the fields of a form publish: singular, where JSON's
// members are plural (clients, topics), which is the usual slip.
var formFields = []string{"client", "topic", "event", "data", "broadcast", "ephemeral"}

func unknownFormField(name string) error {
	if near := suggest.Closest(name, formFields); near != "" {
		return fmt.Errorf("unknown form field %q: did you mean %q?", name, near)
	}
	return fmt.Errorf("unknown form field %q: a form takes %s", name, strings.Join(formFields, ", "))
}
