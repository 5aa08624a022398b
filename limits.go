package ssehub

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Limits bounds the streams a hub serves; a zero field means no limit. A
// stream over a limit is refused before it opens, with a JSON reason: 503
// when the hub is full (MaxStreams), 429 when one client id or one remote
// address has its share. Others are never disturbed by the refusal.
type Limits struct {
	MaxStreams           int // open streams in all
	MaxStreamsPerClient  int // open streams of one client id (tabs, devices)
	MaxStreamsPerAddress int // open streams from one remote IP address; behind a proxy every client shares its address
	MaxTopics            int // topics and selectors one stream subscribes to (more is a 400); zero means MaxTargets
	MaxNameLen           int // bytes of a client id, topic or selector, in streams and messages (more is ErrInvalid); zero means MaxNameLen

	// MaxTemplates bounds the distinct URI templates (Subscription.Selectors)
	// of this hub's open streams: each publish matches its topics against
	// every one, so thousands of them, which one anonymous client can
	// subscribe with, would slow every publish. A stream that would add
	// one past it is refused (503); a stream on templates already in use
	// is not. Only Mercure streams (ServeStream with Selectors) count.
	MaxTemplates int
}

// DefaultMaxStreams is the ssehub command's Limits.MaxStreams when
// -max-streams is not given (lowered to what the open-files limit allows):
// at today's costs per stream, about 150 MiB of streams over HTTP/1.1 and
// 900 MiB over HTTP/2 (see docs/PERFORMANCE.md). A bound that holds
// whatever the protocol: over HTTP/2 one connection carries many streams,
// so the open-files limit alone bounds nothing. A Limits of an embedder's
// keeps zero as no limit.
const DefaultMaxStreams = 50_000

// streamCounts admits streams within Limits and counts those open.
type streamCounts struct {
	lim Limits

	mu        sync.Mutex
	total     int
	byClient  map[string]int
	byAddress map[string]int
}

func (s *streamCounts) init(l Limits) {
	s.lim = l
	s.byClient = make(map[string]int)
	s.byAddress = make(map[string]int)
}

// enabled reports whether any stream limit is set: without one, streams are
// not counted at all.
func (s *streamCounts) enabled() bool {
	return s.lim.MaxStreams > 0 || s.lim.MaxStreamsPerClient > 0 || s.lim.MaxStreamsPerAddress > 0
}

// admit counts a stream of client from addr in, or returns why not.
func (s *streamCounts) admit(client, addr string) *refusal {
	if !s.enabled() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch l := s.lim; {
	case l.MaxStreams > 0 && s.total >= l.MaxStreams:
		return limitRefusal(refusedHubFull, "the hub serves at most %d streams: try again later", l.MaxStreams)
	case l.MaxStreamsPerClient > 0 && s.byClient[client] >= l.MaxStreamsPerClient:
		return clientLimitRefusal(client, l.MaxStreamsPerClient)
	case l.MaxStreamsPerAddress > 0 && s.byAddress[addr] >= l.MaxStreamsPerAddress:
		return limitRefusal(refusedAddressLimit, "%d streams are open from this address, the most one address may have", l.MaxStreamsPerAddress)
	}
	s.total++
	s.byClient[client]++
	s.byAddress[addr]++
	return nil
}

// ofClient returns how many streams of client are counted in, on this node.
func (s *streamCounts) ofClient(client string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byClient[client]
}

// release counts out a stream admit counted in.
func (s *streamCounts) release(client, addr string) {
	if !s.enabled() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total--
	for m, k := range map[*map[string]int]string{&s.byClient: client, &s.byAddress: addr} {
		if (*m)[k]--; (*m)[k] <= 0 {
			delete(*m, k)
		}
	}
}

// remoteIP returns the IP address part of r.RemoteAddr.
func remoteIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// A refusal is a stream not admitted: why (the label Metrics counts it
// by), what its client is told, and, for a limit, when to come back. How
// it is answered is decided where requests are served (serve_http.go).
type refusal struct {
	why        refusalReason
	msg        string
	retryAfter time.Duration // zero: coming back later will not help
}

// limitRetryAfter is when a client refused by a limit is told to come back.
const limitRetryAfter = 10 * time.Second

// limitRefusal refuses a stream over a limit of Limits.
func limitRefusal(why refusalReason, format string, args ...any) *refusal {
	return &refusal{why: why, msg: fmt.Sprintf(format, args...), retryAfter: limitRetryAfter}
}

// clientLimitRefusal refuses a stream over MaxStreamsPerClient.
func clientLimitRefusal(client string, limit int) *refusal {
	return limitRefusal(refusedClientLimit, "client %q has %d streams open, the most one client may have", client, limit)
}

// errKickedCredentials refuses a stream whose credentials predate a kick of
// its client.
var errKickedCredentials = fmt.Errorf("%w: credentials issued before this client was signed out; get new ones", ErrUnauthorized)

// authRefusal is the refusal of a stream whose credentials will not do (a
// browser's EventSource gives up for good on it, which is right for them):
// 403 for credentials that do not allow what was asked, 401 otherwise.
func authRefusal(err error) *refusal {
	switch {
	case errors.Is(err, ErrForbidden):
		return &refusal{why: refusedForbidden, msg: err.Error()}
	case errors.Is(err, ErrUnauthorized):
		return &refusal{why: refusedUnauthorized, msg: err.Error()}
	}
	return &refusal{why: refusedUnauthorized, msg: fmt.Sprintf("unauthorized: %v", err)}
}

// invalidRefusal refuses a stream whose request cannot be served.
func invalidRefusal(msg string) *refusal { return &refusal{why: refusedInvalid, msg: msg} }
