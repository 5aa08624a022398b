package ssehub

import (
	"github.com/ssehub/ssehub/internal/engine"
	"github.com/ssehub/ssehub/internal/storekit"
)

// The kinds Metrics counts by. Each is a small fixed set, so that a
// monitoring system can use them as label values: none ever carries a
// client id, a topic or another value of unbounded variety. String returns
// the name to use as a label value.

// A Protocol is how a stream is served.
type Protocol uint8

const (
	// ProtocolHTTP1 is HTTP/1.x taken over from net/http: no goroutine
	// for an idle stream, written by the writer pool.
	ProtocolHTTP1 Protocol = iota
	// ProtocolHTTP1Handler is HTTP/1.x left on net/http's handler
	// goroutine (Config.KeepHandler, or a connection that cannot be taken
	// over).
	ProtocolHTTP1Handler
	// ProtocolHTTP2 is HTTP/2 (or later), always on the handler goroutine.
	ProtocolHTTP2
	numProtocols // how many Protocols there are
)

// String returns the name of p as a label value.
func (p Protocol) String() string {
	// The values are the delivery engine's, which counts streams by them
	// (TestReasonsAreTheEngines).
	return engine.Protocol(p).String()
}

// A CloseReason is why a stream ended. The first reason decided is the
// one counted: a stream asked to finish for Shutdown whose client then
// hangs up ended for Shutdown.
type CloseReason uint8

const (
	CloseClientGone   CloseReason = iota // the client hung up, or a write to it failed
	CloseOverflow                        // too slow: its queue would have exceeded Config.QueueBytes
	CloseWriteTimeout                    // too slow: a write took longer than Config.WriteTimeout
	CloseShutdown                        // Hub.Shutdown
	CloseKicked                          // Hub.Kick (here, or on another node of a Cluster)
	CloseExpired                         // its Subscription expired (a subscriber token's exp)
	CloseLogSkip                         // the log lost continuity (Listener.Skip): every stream resumes from it
	CloseReplayFailed                    // reading the log for its replay failed
	numCloseReasons                      // how many CloseReasons there are
)

// String returns the name of r as a label value.
func (r CloseReason) String() string {
	// The values are the delivery engine's, which decides and counts them
	// (TestReasonsAreTheEngines).
	return engine.CloseReason(r).String()
}

// A RefusalReason is why a stream was refused before it opened. Each
// comment gives the status ServeHTTP and ServeStream answer with, which
// they decide (serve_http.go), not the reason.
type RefusalReason uint8

const (
	RefusedHubFull      RefusalReason = iota // 503: Limits.MaxStreams
	RefusedClientLimit                       // 429: Limits.MaxStreamsPerClient (on every node, with a Cluster)
	RefusedAddressLimit                      // 429: Limits.MaxStreamsPerAddress
	RefusedUnauthorized                      // 401: the Authorizer found no valid credentials, or they predate a Kick
	RefusedForbidden                         // 403: the Authorizer's credentials do not allow what was asked
	RefusedInvalid                           // 400: a query or subscription that cannot be served (names, too many topics)
	numRefusalReasons                        // how many RefusalReasons there are
)

var refusalReasonNames = [numRefusalReasons]string{
	"hub_full", "client_limit", "address_limit", "unauthorized", "forbidden", "invalid",
}

// String returns the name of r as a label value.
func (r RefusalReason) String() string { return name(refusalReasonNames[:], int(r)) }

// A TargetKind is whom a published message is for: each message has one
// (everyone, client ids only, topics only, or both), and Metrics counts
// published messages by it. Its String is
// the metric label.
type TargetKind = storekit.TargetKind

// The TargetKinds, in the order of Metrics.Published. (Package store names
// a target key's kind with the first three.)
const (
	TargetBroadcast = storekit.TargetBroadcast // everyone (whatever else the message names)
	TargetClient    = storekit.TargetClient    // client ids only
	TargetTopic     = storekit.TargetTopic     // topics only
	TargetMixed     = storekit.TargetMixed     // client ids and topics
	numTargetKinds  = storekit.NumTargetKinds  // how many TargetKinds there are
)

// kindOf returns the TargetKind of m.
func kindOf(m *Message) TargetKind {
	switch {
	case m.Broadcast:
		return TargetBroadcast
	case len(m.Topics) == 0:
		return TargetClient
	case len(m.Clients) == 0:
		return TargetTopic
	}
	return TargetMixed
}

// A ResetReason is why a stream started with a reset event (see
// ResetEventType).
type ResetReason uint8

const (
	ResetExpired    ResetReason = iota // an event the stream would have received is no longer retained
	ResetUnknown                       // the id was never issued by this hub's log
	numResetReasons                    // how many ResetReasons there are
)

var resetReasonNames = [numResetReasons]string{resetExpired, resetUnknown}

// String returns the name of r as a label value.
func (r ResetReason) String() string { return name(resetReasonNames[:], int(r)) }

func name(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return "unknown"
}
