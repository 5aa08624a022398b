package httpapi

import (
	"io"
	"net/http"
	"time"
)

// DefaultBodyTimeout bounds the time a request's body may take to arrive
// when Config.BodyTimeout is zero.
const DefaultBodyTimeout = 10 * time.Second

// withBodyDeadline gives every request but an event stream's (a GET of
// /sse without a body, which stays open for hours) at most d to send its
// body. Without it a client that sends the headers and one byte of a
// promised body holds its connection and goroutine forever, keys or not:
// net/http reads up to 256 KiB of a body the handler left unread (after a
// 401, say, or a stream refused with 400 or 405) before it answers, and no
// server timeout covers that read. The deadline is the connection's
// (HTTP/1.1) or the stream's (HTTP/2), so it also bounds that read: past it
// the connection is closed. A handler that reads the body sees a read error
// wrapping os.ErrDeadlineExceeded (publish answers 408). An HTTP/1.1 GET
// of /sse with a body is refused with 400: no EventSource sends one, and a
// stream that opened would leave it unread under a deadline. (Over HTTP/2 a
// handler that returns resets its request's stream, so nothing waits for a
// body there, and a bodiless GET may still have an empty body of unknown
// length.)
func withBodyDeadline(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hasBody := r.Body != nil && r.Body != http.NoBody
		stream := (r.URL.Path == "/sse" || r.URL.Path == MercurePath) && (r.Method == http.MethodGet || r.Method == http.MethodHead)
		if !hasBody || (stream && (r.ContentLength == 0 || r.ProtoMajor >= 2)) {
			h.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(d)) == nil { // an error: a writer without deadlines, nothing to bound
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		}
		if stream {
			writeError(w, http.StatusBadRequest, "a stream request has no body: GET "+r.URL.Path+" without one")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// deadlineBody lifts the read deadline once the whole body has arrived, so
// that the handler may then take its time (a publish waiting for its
// store): on HTTP/1.1 a deadline left to fire under net/http's background
// read would end the request's context.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
