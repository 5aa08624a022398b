package httpapi

import (
	"io"
	"net/http"
	"time"
)

// DefaultBodyTimeout bounds the time a request's body may take to arrive
// when Config.BodyTimeout is zero.
const DefaultBodyTimeout = 10 * time.Second

// withBodyDeadline gives every request but a stream's (GET /sse, which
// stays open for hours) at most d to send its body. Without it a client
// that sends the headers and one byte of a promised body holds its
// connection and goroutine forever, keys or not: net/http reads up to
// 256 KiB of a body the handler left unread (after a 401, say) before it
// answers, and no server timeout covers that read. The deadline is the
// connection's (HTTP/1.1) or the stream's (HTTP/2), so it also bounds that
// read: past it the connection is closed. A handler that reads the body
// sees a read error wrapping os.ErrDeadlineExceeded (publish answers 408).
func withBodyDeadline(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody && r.URL.Path != "/sse" {
			rc := http.NewResponseController(w)
			if rc.SetReadDeadline(time.Now().Add(d)) == nil { // an error: a writer without deadlines, nothing to bound
				r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
			}
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
