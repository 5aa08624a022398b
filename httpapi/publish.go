package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/ssehub/ssehub"
)

// publishRequest is the JSON body of POST /publish.
type publishRequest struct {
	Clients   []string `json:"clients"`
	Topics    []string `json:"topics"`
	Broadcast bool     `json:"broadcast"`
	Event     string   `json:"event"`
	// Data is sent as is when it is a JSON string, and as its compact JSON
	// text when it is any other value.
	Data json.RawMessage `json:"data"`
}

type publishResponse struct {
	ID          string `json:"id"`
	Connections int    `json:"connections"`
}

// publish answers POST /publish: one event, from a JSON or a form body.
func (a *api) publish(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	m, err := decodePublish(r)
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", MaxBodyBytes))
		case errors.Is(err, errMediaType):
			writeError(w, http.StatusUnsupportedMediaType, err.Error())
		default:
			writeError(w, http.StatusBadRequest, err.Error())
		}
		return
	}
	rec, err := a.hub.Publish(r.Context(), m)
	if err != nil {
		publishError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, publishResponse{ID: rec.ID, Connections: rec.Connections})
}

var errMediaType = errors.New("Content-Type must be application/json or application/x-www-form-urlencoded")

func decodePublish(r *http.Request) (ssehub.Message, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return ssehub.Message{}, errMediaType
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ssehub.Message{}, errMediaType
	}
	switch mt {
	case "application/json":
		return decodeJSON(r.Body)
	case "application/x-www-form-urlencoded":
		return decodeForm(r)
	}
	return ssehub.Message{}, errMediaType
}

func decodeJSON(body io.Reader) (ssehub.Message, error) {
	var req publishRequest
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return ssehub.Message{}, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return ssehub.Message{}, errors.New("malformed JSON: more than one value in the body")
		}
		return ssehub.Message{}, jsonError(err)
	}
	data, err := eventData(req.Data)
	if err != nil {
		return ssehub.Message{}, err
	}
	return ssehub.Message{
		Clients:   req.Clients,
		Topics:    req.Topics,
		Broadcast: req.Broadcast,
		Type:      req.Event,
		Data:      data,
	}, nil
}

// eventData turns the JSON "data" member into the event's bytes: a string's
// text, or any other value's compact JSON. Absent means empty data.
func eventData(raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, jsonError(err)
		}
		return []byte(s), nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, jsonError(err)
	}
	return b.Bytes(), nil
}

// jsonError words a decoding error for the client, keeping a body-size
// error recognisable.
func jsonError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	return fmt.Errorf("malformed JSON: %v", err)
}

func decodeForm(r *http.Request) (ssehub.Message, error) {
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return ssehub.Message{}, err
		}
		return ssehub.Message{}, fmt.Errorf("malformed form body: %v", err)
	}
	f := r.PostForm
	for _, name := range []string{"event", "data", "broadcast"} {
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
	if v := f.Get("broadcast"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return ssehub.Message{}, fmt.Errorf("broadcast must be true or false, not %q", v)
		}
		m.Broadcast = b
	}
	for name := range f {
		switch name {
		case "client", "topic", "event", "data", "broadcast":
		default:
			return ssehub.Message{}, fmt.Errorf("unknown form field %q", name)
		}
	}
	return m, nil
}
