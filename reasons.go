package ssehub

import "github.com/ssehub/ssehub/internal/storekit"

// The kinds Metrics counts by, each a small fixed set of labels, so that a
// monitoring system can use them as label values: none ever carries a
// client id, a topic or another value of unbounded variety. How a stream
// is served (engine.Protocol) and why it ended (engine.CloseReason) are
// the delivery engine's, which counts streams by them; the hub counts the
// rest. Metrics reports every count under its label (see metrics.go).

// A refusalReason is why a stream was refused before it opened. Each
// comment gives the status ServeHTTP and ServeStream answer with, which
// they decide (serve_http.go), not the reason.
type refusalReason uint8

const (
	refusedHubFull      refusalReason = iota // 503: Limits.MaxStreams
	refusedClientLimit                       // 429: Limits.MaxStreamsPerClient (on every node, with a Cluster)
	refusedAddressLimit                      // 429: Limits.MaxStreamsPerAddress
	refusedUnauthorized                      // 401: the Authorizer found no valid credentials, or they predate a Kick
	refusedForbidden                         // 403: the Authorizer's credentials do not allow what was asked
	refusedInvalid                           // 400: a query or subscription that cannot be served (names, too many topics)
	numRefusalReasons                        // how many refusalReasons there are
)

var refusalReasonNames = [numRefusalReasons]string{
	"hub_full", "client_limit", "address_limit", "unauthorized", "forbidden", "invalid",
}

// String returns the name of r as a label value.
func (r refusalReason) String() string { return name(refusalReasonNames[:], int(r)) }

// The kinds of target a published message has (each message has one:
// everyone, client ids only, topics only, or both), by which Metrics
// counts published messages. They are the store toolkit's, whose first
// three are also the kinds of a target key.
const (
	targetBroadcast = storekit.TargetBroadcast // everyone (whatever else the message names)
	targetClient    = storekit.TargetClient    // client ids only
	targetTopic     = storekit.TargetTopic     // topics only
	targetMixed     = storekit.TargetMixed     // client ids and topics
	numTargetKinds  = storekit.NumTargetKinds  // how many target kinds there are
)

// kindOf returns the target kind of m.
func kindOf(m *Message) storekit.TargetKind {
	switch {
	case m.Broadcast:
		return targetBroadcast
	case len(m.Topics) == 0:
		return targetClient
	case len(m.Clients) == 0:
		return targetTopic
	}
	return targetMixed
}

// A resetReason is why a stream started with a reset event (see
// ResetEventType): its name is the event's reason.
type resetReason uint8

const (
	resetExpired    resetReason = iota // an event the stream would have received is no longer retained
	resetUnknown                       // the id was never issued by this hub's log
	numResetReasons                    // how many resetReasons there are
)

var resetReasonNames = [numResetReasons]string{"expired", "unknown"}

// String returns the name of r as a label value.
func (r resetReason) String() string { return name(resetReasonNames[:], int(r)) }

func name(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return "unknown"
}
