package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/ssehub/ssehub"
)

// publishRequest is the JSON body of POST /publish.
type publishRequest struct {
	Clients   []string `json:"clients"`
	Topics    []string `json:"topics"`
	Broadcast bool     `json:"broadcast"`
	Ephemeral bool     `json:"ephemeral"` // live only: not recorded, no id (see ssehub.Message)
	Event     string   `json:"event"`
	// Data is sent as is when it is a JSON string, and as its compact JSON
	// text when it is any other value.
	Data jsontext.Value `json:"data"`
}

// strictJSON is how every JSON body is read: one meaning per body, the
// one a proxy or an audit log that reads it too would see. encoding/json
// would turn invalid UTF-8 into U+FFFD (another client id than the bytes
// sent), match member names case-insensitively ("Clients") and let the
// last of duplicate names win. Here, anywhere in the body, including
// inside "data" and in member names, invalid UTF-8 (an escaped lone
// surrogate such as \ud800 too) and duplicate names are refused, names
// match exactly, and an unknown member is refused. (Most of these are
// json v2's defaults; they are spelled out so that a change of default
// cannot loosen them.)
var strictJSON = json.JoinOptions(
	jsontext.AllowInvalidUTF8(false),
	jsontext.AllowDuplicateNames(false),
	json.MatchCaseInsensitiveNames(false),
	json.RejectUnknownMembers(true),
)

// publishFields are the member names of a publishRequest.
var publishFields = memberNames(reflect.TypeFor[publishRequest]())

func memberNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

// decodeJSON reads a JSON publish body: one event object, or a batch (an
// array of them).
func decodeJSON(body io.Reader) ([]ssehub.Message, bool, error) {
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, false, err // the size limit, or the body timeout
	}
	start := bytes.TrimLeft(raw, " \t\r\n")
	if len(start) == 0 {
		return nil, false, errors.New("malformed JSON: empty body")
	}
	batch := start[0] == '['
	var reqs []publishRequest
	var dest any = &reqs
	if !batch {
		reqs = make([]publishRequest, 1)
		dest = &reqs[0]
	}
	if err := json.Unmarshal(raw, dest, strictJSON); err != nil {
		return nil, false, jsonError(raw, batch, err)
	}
	if batch && len(reqs) == 0 {
		return nil, false, errors.New("empty batch: give at least one event")
	}
	msgs := make([]ssehub.Message, len(reqs))
	for i, req := range reqs {
		data, err := eventData(req.Data)
		if err != nil {
			if batch {
				err = fmt.Errorf("message %d: %v", i, err)
			}
			return nil, false, err
		}
		msgs[i] = ssehub.Message{
			Clients:   req.Clients,
			Topics:    req.Topics,
			Broadcast: req.Broadcast,
			Ephemeral: req.Ephemeral,
			Type:      req.Event,
			Data:      data,
		}
	}
	return msgs, batch, nil
}

// eventData turns the JSON "data" member into the event's bytes: a string's
// text, or any other value's compact JSON (strings and numbers spelled as
// sent). Absent means empty data.
func eventData(raw jsontext.Value) ([]byte, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	if raw.Kind() == '"' {
		var s string
		if err := json.Unmarshal(raw, &s, strictJSON); err != nil {
			return nil, fmt.Errorf("malformed JSON in \"data\": %v", err)
		}
		return []byte(s), nil
	}
	v := raw.Clone()
	if err := v.Compact(); err != nil {
		return nil, fmt.Errorf("malformed JSON in \"data\": %v", err)
	}
	return v, nil
}

// jsonError says why raw was refused, in an API client's words: which
// message of a batch, which field, what is wrong; never a Go type's name.
func jsonError(raw []byte, batch bool, err error) error {
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) {
		return syntaxError(raw, batch, syn)
	}
	var sem *json.SemanticError
	if errors.As(err, &sem) {
		return typeError(batch, sem)
	}
	return errors.New("malformed JSON")
}

// location splits a JSON pointer into the "message N: " prefix of a batch's
// element and the path inside the message (its first element is the field).
func location(batch bool, p jsontext.Pointer) (prefix string, path []string) {
	path = slices.Collect(p.Tokens())
	if batch && len(path) > 0 {
		prefix, path = "message "+path[0]+": ", path[1:]
	}
	return prefix, path
}

// syntaxError describes a body that is not strict JSON.
func syntaxError(raw []byte, batch bool, e *jsontext.SyntacticError) error {
	prefix, path := location(batch, e.JSONPointer)
	in := ""
	if len(path) > 0 {
		in = " in " + strconv.Quote(path[0])
	}
	switch off := int(e.ByteOffset); {
	case errors.Is(e.Err, jsontext.ErrDuplicateName) && len(path) == 1:
		return fmt.Errorf("%sduplicate field %q: give each field once", prefix, path[0])
	case errors.Is(e.Err, jsontext.ErrDuplicateName) && len(path) > 1:
		return fmt.Errorf("%sduplicate name %q%s: a JSON object names each member once", prefix, path[len(path)-1], in)
	case invalidUTF8At(raw, off):
		if in == "" && inName(raw, off) {
			in = " in a field name"
		}
		return fmt.Errorf("%sinvalid UTF-8%s (byte offset %d): the body must be UTF-8", prefix, in, off)
	case loneSurrogateAt(raw, off):
		return fmt.Errorf("%sinvalid UTF-8%s: %s is half of a UTF-16 surrogate pair, no character", prefix, in, raw[off:off+6])
	}
	msg := strings.ToValidUTF8(e.Err.Error(), "\uFFFD")
	return fmt.Errorf("%smalformed JSON%s: %s (byte offset %d)", prefix, in, msg, e.ByteOffset)
}

// invalidUTF8At reports whether raw holds invalid UTF-8 at off.
func invalidUTF8At(raw []byte, off int) bool {
	if off < 0 || off >= len(raw) {
		return false
	}
	r, size := utf8.DecodeRune(raw[off:])
	return r == utf8.RuneError && size == 1
}

// loneSurrogateAt reports whether raw holds an escaped surrogate
// (\ud800 to \udfff) at off; a decoder refuses one only when it is not
// half of a valid pair.
func loneSurrogateAt(raw []byte, off int) bool {
	if off < 0 || off+6 > len(raw) || raw[off] != '\\' || raw[off+1] != 'u' {
		return false
	}
	n, err := strconv.ParseUint(string(raw[off+2:off+6]), 16, 16)
	return err == nil && n >= 0xd800 && n <= 0xdfff
}

// inName reports whether the string around off is an object member's name:
// a colon follows it.
func inName(raw []byte, off int) bool {
	i := off
	for ; i < len(raw) && raw[i] != '"'; i++ {
		if raw[i] == '\\' {
			i++
		}
	}
	rest := bytes.TrimLeft(raw[min(i+1, len(raw)):], " \t\r\n")
	return len(rest) > 0 && rest[0] == ':'
}

// typeError describes a well-formed body that is not a publish request: an
// unknown field, or a value of the wrong kind.
func typeError(batch bool, e *json.SemanticError) error {
	prefix, path := location(batch, e.JSONPointer)
	if errors.Is(e.Err, json.ErrUnknownName) {
		name := e.JSONPointer.LastToken()
		if known := didYouMean(name); known != "" {
			return fmt.Errorf("%sunknown field %q: did you mean %q? (field names are case-sensitive)", prefix, name, known)
		}
		return fmt.Errorf("%sunknown field %q: the fields are %s", prefix, name, strings.Join(publishFields, ", "))
	}
	got := kindName(e.JSONKind)
	switch {
	case len(path) == 0 && batch:
		return fmt.Errorf("%smalformed JSON: want an event object, not %s", prefix, got)
	case len(path) == 0:
		return fmt.Errorf("malformed JSON: want an event object or an array of them, not %s", got)
	}
	want := map[string]string{
		"clients": "an array of strings", "topics": "an array of strings",
		"broadcast": "true or false", "ephemeral": "true or false", "event": "a string",
	}[path[0]]
	if want == "" {
		return fmt.Errorf("%smalformed JSON in %q", prefix, path[0])
	}
	if len(path) > 1 {
		return fmt.Errorf("%smalformed JSON: %q must be %s; item %s is %s", prefix, path[0], want, path[1], got)
	}
	return fmt.Errorf("%smalformed JSON: %q must be %s, not %s", prefix, path[0], want, got)
}

// didYouMean returns the field an unknown name was probably meant as: the
// same but for case or a plural's "s" ("Clients", "client", "DATA").
func didYouMean(name string) string {
	stem := strings.TrimSuffix(strings.ToLower(name), "s")
	for _, f := range publishFields {
		if stem == strings.TrimSuffix(f, "s") {
			return f
		}
	}
	return ""
}

// kindName names a JSON kind in words.
func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "another value"
}
