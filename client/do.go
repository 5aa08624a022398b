package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxAnswer bounds the body of an answer read (a page of 1000 clients with
// long ids is about 300 KB).
const maxAnswer = 16 << 20

// Backoff between attempts when the hub did not say how long to wait.
const (
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 2 * time.Second
)

// A request is one call's request, sent again as is by each attempt.
type request struct {
	method string
	path   string // escaped, under the base URL
	query  url.Values
	body   []byte // JSON; nil for none
	key    string // Idempotency-Key; empty for none
}

// transportError is a request that got no answer (connection refused or
// reset, a timeout): retryable.
type transportError struct{ err error }

func (e *transportError) Error() string { return "ssehub client: " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// do sends r, again while it fails for a passing reason (see retryWait)
// within the attempts and time allowed, and decodes the answer into out
// (when not nil).
func (c *Client) do(ctx context.Context, r request, out any) error {
	deadline := time.Now().Add(c.opts.MaxWait)
	for attempt := 1; ; attempt++ {
		err := c.send(ctx, r, out)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		wait, ok := retryWait(err, attempt)
		if !ok {
			return err
		}
		if attempt >= c.opts.MaxAttempts {
			return fmt.Errorf("ssehub client: gave up after %d attempts: %w", attempt, err)
		}
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("ssehub client: gave up after %d attempts: waiting %v more would pass MaxWait (%v): %w", attempt, wait.Round(time.Millisecond), c.opts.MaxWait, err)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("%w (while waiting to retry: %w)", ctx.Err(), err)
		case <-timer.C:
		}
	}
}

// retryWait says whether a failed attempt may be made again, and after
// how long: what Retry-After said, or a backoff growing with the attempts.
func retryWait(err error, attempt int) (time.Duration, bool) {
	var he *Error
	var te *transportError
	switch {
	case errors.As(err, &he):
		if !retryable(he.Status) {
			return 0, false
		}
		if he.RetryAfter > 0 {
			return he.RetryAfter, true
		}
	case errors.As(err, &te):
		var cert *tls.CertificateVerificationError
		if errors.As(err, &cert) {
			return 0, false // the same certificate will be refused again
		}
	default:
		return 0, false
	}
	return backoff(attempt), true
}

// backoff is the wait after attempt: doubling from firstBackoff up to
// maxBackoff, picked at random in its upper half so that publishers that
// failed together do not come back together.
func backoff(attempt int) time.Duration {
	d := maxBackoff
	if attempt < 8 {
		d = min(firstBackoff<<(attempt-1), maxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}

// send makes one attempt.
func (c *Client) send(ctx context.Context, r request, out any) error {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.endpoint(r.path, r.query), body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.opts.PublishKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.PublishKey)
	}
	if r.key != "" {
		req.Header.Set("Idempotency-Key", r.key)
	}
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		return &transportError{err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return &transportError{fmt.Errorf("reading the answer to %s %s: %w", r.method, r.path, err)}
	}
	if resp.StatusCode != http.StatusOK {
		return answerError(resp, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("ssehub client: the answer to %s %s is not what a hub answers (%v): %.200q", r.method, r.path, err, data)
	}
	return nil
}

// answerError makes the Error of an answer other than 200.
func answerError(resp *http.Response, data []byte) *Error {
	e := &Error{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
	var body struct {
		Error     string    `json:"error"`
		Published []Receipt `json:"published"`
	}
	if json.Unmarshal(data, &body) == nil && body.Error != "" {
		e.Message, e.Published = body.Error, body.Published
		return e
	}
	e.Message = strings.TrimSpace(string(data)) // plain text (ping), or a proxy's page
	if len(e.Message) > 200 {
		e.Message = e.Message[:200] + "..."
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// retryAfter parses a Retry-After header, seconds or an HTTP date, as a
// wait from now; zero when absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(min(n, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
