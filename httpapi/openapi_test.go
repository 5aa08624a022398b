package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/ssehub/ssehub/internal/ssetest"
)

// openAPIPath is the API's description, which the tests hold to the server.
const openAPIPath = "../docs/openapi.yaml"

func init() {
	// The validator reads these bodies as text, as it does text/plain.
	openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/javascript", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/openmetrics-text", openapi3filter.PlainBodyDecoder)
}

// apiDoc is docs/openapi.yaml, loaded and validated, with a router that
// finds the operation a request is for on any host (the test servers'
// addresses are not the document's).
type apiDoc struct {
	doc    *openapi3.T
	router routers.Router
}

func loadAPIDoc(t *testing.T) *apiDoc {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(openAPIPath)
	if err != nil {
		t.Fatalf("loading %s: %v", openAPIPath, err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") || !doc.IsOpenAPI31OrLater() {
		t.Fatalf("%s: openapi %q, want 3.1.x", openAPIPath, doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("%s is not a valid OpenAPI 3.1 document: %v", openAPIPath, err)
	}
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("%s: building its router: %v", openAPIPath, err)
	}
	return &apiDoc{doc: doc, router: router}
}

// A verdict is what the document must say of a request.
type verdict int

const (
	docAccepts verdict = iota // the request matches the document
	docRefuses                // the request breaks the document (a bad value the schema excludes)
	docSilent                 // the document says it in words only (e.g. duplicate JSON keys)
)

// exchanged is one request sent and its answer, as read.
type exchanged struct {
	req    *http.Request // with its body still readable
	status int
	header http.Header
	body   []byte // all of it; for a stream, its prologue
}

// checkRequest holds req to the document: it must find an operation for it
// (or know why not: an undocumented path or method) and judge it as want
// says. It returns the operation's route, nil for an undocumented one, and
// whether the path is documented.
func (d *apiDoc) checkRequest(t *testing.T, req *http.Request, body string, want verdict) (*routers.Route, bool) {
	t.Helper()
	route, params, err := d.router.FindRoute(req)
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		return nil, false
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return nil, true
	case err != nil:
		t.Fatalf("finding the operation of %s %s: %v", req.Method, req.URL, err)
	}
	req.Body = io.NopCloser(strings.NewReader(body))
	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options:    &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	})
	switch {
	case want == docAccepts && err != nil:
		t.Errorf("the document refuses the request %s %s, which should be valid: %v", req.Method, req.URL.RequestURI(), err)
	case want == docRefuses && err == nil:
		t.Errorf("the document accepts the request %s %s, which it should refuse", req.Method, req.URL.RequestURI())
	}
	req.Body = io.NopCloser(strings.NewReader(body))
	return route, true
}

// checkResponse holds an answer to the document: its status must be
// documented for the operation (or be the document's 404 for an
// undocumented path, its 405 for an undocumented method), and its headers
// and body must match what the document says of that status.
func (d *apiDoc) checkResponse(t *testing.T, route *routers.Route, pathKnown bool, x exchanged) {
	t.Helper()
	if route == nil {
		// Not an operation: the document's answer for every unknown path,
		// or for every method a path does not serve.
		name := "NotFound"
		if pathKnown {
			name = "MethodNotAllowed"
		}
		resp := d.doc.Components.Responses[name]
		if resp == nil {
			t.Fatalf("the document has no components.responses.%s", name)
		}
		route = &routers.Route{Spec: d.doc, Path: x.req.URL.Path, Method: x.req.Method, Operation: &openapi3.Operation{
			Responses: openapi3.NewResponses(openapi3.WithStatus(map[string]int{"NotFound": 404, "MethodNotAllowed": 405}[name], resp)),
		}}
	}
	what := x.req.Method + " " + x.req.URL.RequestURI()
	if x.req.Method == http.MethodHead {
		return // the validator checks no answer to HEAD
	}
	resp := route.Operation.Responses.Status(x.status)
	if resp == nil {
		t.Errorf("%s: status %d (body %q) is not documented for %s %s", what, x.status, x.body, route.Method, route.Path)
		return
	}
	if len(resp.Value.Content) == 0 && len(x.body) > 0 {
		t.Errorf("%s: status %d has a body (%q), the document describes none", what, x.status, x.body)
	}
	err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: x.req, Route: route},
		Status:                 x.status,
		Header:                 x.header,
		Body:                   io.NopCloser(bytes.NewReader(x.body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
	if err != nil {
		t.Errorf("%s: the answer %d %q does not match the document: %v", what, x.status, x.body, err)
	}
}

// checkSchema validates a JSON value against the document's schema name.
func (d *apiDoc) checkSchema(t *testing.T, name string, data []byte) {
	t.Helper()
	s := d.doc.Components.Schemas[name]
	if s == nil {
		t.Fatalf("the document has no components.schemas.%s", name)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Errorf("%s %q is not JSON: %v", name, data, err)
		return
	}
	if err := s.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("%q does not match the document's %s: %v", data, name, err)
	}
}

// send sends req through client and reads its answer: the whole body, or,
// for an event stream, its prologue (up to the first blank line, what the
// hub writes once it has registered the stream), after which it hangs up.
func send(t *testing.T, client *http.Client, req *http.Request) exchanged {
	t.Helper()
	ctx, cancel := context.WithTimeout(req.Context(), ssetest.Wait)
	defer cancel()
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, short(req.URL.String()), err)
	}
	defer resp.Body.Close()
	var body []byte
	if resp.Header.Get("Content-Type") == "text/event-stream" && req.Method != http.MethodHead {
		prologue, err := ssetest.ReadPrologue(bufio.NewReader(resp.Body))
		if err != nil && !(errors.Is(err, io.EOF) && prologue != "") {
			t.Fatalf("%s %s: reading the stream's first bytes %q: %v", req.Method, short(req.URL.String()), prologue, err)
		}
		body = []byte(prologue)
	} else if body, err = io.ReadAll(resp.Body); err != nil {
		t.Fatalf("%s %s: reading the answer: %v", req.Method, short(req.URL.String()), err)
	}
	return exchanged{req: req, status: resp.StatusCode, header: resp.Header, body: body}
}

// eventData returns the data of the first event of type typ in a stream's
// text, and whether there is one.
func eventData(stream, typ string) (string, bool) {
	for _, ev := range strings.Split(stream, "\n\n") {
		var data []string
		found := false
		for _, line := range strings.Split(ev, "\n") {
			name, value, _ := strings.Cut(line, ": ")
			switch name {
			case "event":
				found = value == typ
			case "data":
				data = append(data, value)
			}
		}
		if found {
			return strings.Join(data, "\n"), true
		}
	}
	return "", false
}
