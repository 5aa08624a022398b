package client

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Sentinels an [*Error] matches with errors.Is, by its status.
var (
	// ErrInvalid: 400, the request is wrong (no target, an unknown field,
	// an overlong client id or topic, a bad limit); sending it again
	// cannot help.
	ErrInvalid = errors.New("ssehub: invalid request")
	// ErrUnauthorized: 401, the hub requires a publish key and none was
	// sent (Options.PublishKey).
	ErrUnauthorized = errors.New("ssehub: publish key required")
	// ErrForbidden: 403, a wrong publish key.
	ErrForbidden = errors.New("ssehub: publish key refused")
	// ErrNotFound: 404, the client has no open stream (Client.Client), or
	// the base URL does not point at a hub.
	ErrNotFound = errors.New("ssehub: not found")
	// ErrTooLarge: 413, the body is over the hub's -max-body or an event's
	// data over its -max-data.
	ErrTooLarge = errors.New("ssehub: too large")
	// ErrKeyReused: 422, the idempotency key was used before with another
	// body (Client.PublishOnce with a key reused for other messages).
	ErrKeyReused = errors.New("ssehub: idempotency key reused with another body")
	// ErrRateLimited: 429, once the retries are over.
	ErrRateLimited = errors.New("ssehub: too many requests")
	// ErrUnavailable: 502, 503 or 504, once the retries are over: the hub
	// is shutting down, its store or Redis cannot be reached, or a proxy
	// in front found no hub.
	ErrUnavailable = errors.New("ssehub: unavailable")
)

// Error is an answer of the hub other than 200.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Message is the hub's explanation (the "error" member of its JSON
	// answer), or the start of another body (a proxy's page).
	Message string
	// RetryAfter is the wait the hub asked for (Retry-After), or zero.
	RetryAfter time.Duration
	// Published holds, for a batch the hub's store failed part way through
	// (500), the receipts of the events that were published before.
	Published []Receipt
}

func (e *Error) Error() string {
	s := fmt.Sprintf("ssehub: %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %v)", e.RetryAfter)
	}
	return s
}

// Is matches the sentinel of e's status, so that errors.Is(err,
// ErrUnauthorized) holds for a 401.
func (e *Error) Is(target error) bool {
	return target != nil && statusSentinel(e.Status) == target
}

func statusSentinel(status int) error {
	switch status {
	case http.StatusBadRequest:
		return ErrInvalid
	case http.StatusUnauthorized:
		return ErrUnauthorized
	case http.StatusForbidden:
		return ErrForbidden
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusRequestEntityTooLarge:
		return ErrTooLarge
	case http.StatusUnprocessableEntity:
		return ErrKeyReused
	case http.StatusTooManyRequests:
		return ErrRateLimited
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return ErrUnavailable
	}
	return nil
}

// retryable reports whether an answer with this status may be sent again:
// the hub or a proxy in front of it could not take the request now, and
// did nothing with it that a retry could repeat (a publish carries its
// idempotency key).
func retryable(status int) bool {
	return status == http.StatusTooManyRequests || statusSentinel(status) == ErrUnavailable
}
