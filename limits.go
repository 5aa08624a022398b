package ssehub

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
)

// Limits bounds the streams a hub serves; a zero field means no limit. A
// stream over a limit is refused before it opens, with a JSON reason: 503
// when the hub is full (MaxStreams), 429 when one client id or one remote
// address has its share. Others are never disturbed by the refusal.
type Limits struct {
	MaxStreams           int // open streams in all
	MaxStreamsPerClient  int // open streams of one client id (tabs, devices)
	MaxStreamsPerAddress int // open streams from one remote IP address; behind a proxy every client shares its address
	MaxTopics            int // topics one stream subscribes to (more is a 400); zero means MaxTargets
	MaxNameLen           int // bytes of a client id or topic, in streams and messages (more is ErrInvalid); zero means MaxNameLen
}

// DefaultMaxStreams is the ssehub command's Limits.MaxStreams when
// -max-streams is not given (lowered to what the open-files limit allows):
// at today's costs per stream, about 150 MiB of streams over HTTP/1.1 and
// 900 MiB over HTTP/2 (see docs/PERFORMANCE.md). A bound that holds
// whatever the protocol: over HTTP/2 one connection carries many streams,
// so the open-files limit alone bounds nothing. A Limits of an embedder's
// keeps zero as no limit.
const DefaultMaxStreams = 50_000

// validate checks m against the hub's limits, then as Message.Validate does.
func (l Limits) validate(m *Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return l.names("client id", m.Clients, "topic", m.Topics)
}

// names checks the lengths of client ids and topics against MaxNameLen.
func (l Limits) names(what1 string, names1 []string, what2 string, names2 []string) error {
	if l.MaxNameLen <= 0 {
		return nil
	}
	for _, group := range []struct {
		what  string
		names []string
	}{{what1, names1}, {what2, names2}} {
		for _, n := range group.names {
			if len(n) > l.MaxNameLen {
				return invalid("%s longer than %d bytes", group.what, l.MaxNameLen)
			}
		}
	}
	return nil
}

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
func (s *streamCounts) admit(client, addr string) (refusal, bool) {
	if !s.enabled() {
		return refusal{}, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch l := s.lim; {
	case l.MaxStreams > 0 && s.total >= l.MaxStreams:
		return refusal{RefusedHubFull, fmt.Sprintf("the hub serves at most %d streams: try again later", l.MaxStreams)}, false
	case l.MaxStreamsPerClient > 0 && s.byClient[client] >= l.MaxStreamsPerClient:
		return refusal{RefusedClientLimit, tooManyOfClient(client, l.MaxStreamsPerClient)}, false
	case l.MaxStreamsPerAddress > 0 && s.byAddress[addr] >= l.MaxStreamsPerAddress:
		return refusal{RefusedAddressLimit, fmt.Sprintf("%d streams are open from this address, the most one address may have", l.MaxStreamsPerAddress)}, false
	}
	s.total++
	s.byClient[client]++
	s.byAddress[addr]++
	return refusal{}, true
}

// tooManyOfClient is the reason a stream over MaxStreamsPerClient is refused.
func tooManyOfClient(client string, limit int) string {
	return fmt.Sprintf("client %q has %d streams open, the most one client may have", client, limit)
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

// A refusal is a stream not admitted: why, and what its client is told.
type refusal struct {
	why RefusalReason
	msg string
}

// status returns the HTTP status of a refusal for why.
func (why RefusalReason) status() int {
	switch why {
	case RefusedHubFull:
		return http.StatusServiceUnavailable
	case RefusedClientLimit, RefusedAddressLimit:
		return http.StatusTooManyRequests
	case RefusedUnauthorized:
		return http.StatusUnauthorized
	case RefusedForbidden:
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// refuse counts and answers a stream refused before it opened: a limit's
// refusal says when to come back, an unauthorized one how to authenticate.
func (h *Hub) refuse(w http.ResponseWriter, r refusal) {
	h.tally.refused[r.why].Add(1)
	code := r.why.status()
	switch code {
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(10))
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="ssehub"`)
	}
	writeError(w, code, r.msg)
}
