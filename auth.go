package ssehub

import (
	"errors"
	"fmt"
	"net/http"
)

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

// errKickedCredentials refuses a stream whose credentials predate a kick of
// its client.
var errKickedCredentials = fmt.Errorf("%w: credentials issued before this client was signed out; get new ones", ErrUnauthorized)

// authRefusal is the refusal of a stream whose credentials will not do (a
// browser's EventSource gives up for good on it, which is right for them):
// 403 for credentials that do not allow what was asked, 401 otherwise.
func authRefusal(err error) *refusal {
	switch {
	case errors.Is(err, ErrForbidden):
		return &refusal{why: RefusedForbidden, msg: err.Error()}
	case errors.Is(err, ErrUnauthorized):
		return &refusal{why: RefusedUnauthorized, msg: err.Error()}
	}
	return &refusal{why: RefusedUnauthorized, msg: fmt.Sprintf("unauthorized: %v", err)}
}
