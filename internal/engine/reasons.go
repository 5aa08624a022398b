package engine

// The kinds the engine counts streams by. The root package's Metrics
// reports the counts under their names (String), which a monitoring
// system uses as label values, so each is a small fixed set.

// A Protocol is how a stream is served.
type Protocol uint8

const (
	ProtocolHTTP1        Protocol = iota // HTTP/1.x taken over: a socket sink, written by the writer pool
	ProtocolHTTP1Handler                 // HTTP/1.x left on net/http's handler goroutine
	ProtocolHTTP2                        // HTTP/2 (or later), always on the handler goroutine
	ProtocolMercure                      // a Mercure subscription (Identity.TopicsOnly), whatever its HTTP version
	NumProtocols                         // how many Protocols there are
)

var protocolNames = [NumProtocols]string{"http1_takeover", "http1_handler", "http2", "mercure"}

// String returns the name of p as a label value.
func (p Protocol) String() string { return name(protocolNames[:], int(p)) }

// A CloseReason is why a stream ended. The first reason decided is the one
// that counts (see Stream.Finish and Stream.Close).
type CloseReason uint8

const (
	CloseClientGone   CloseReason = iota // the client hung up, or a write to it failed
	CloseOverflow                        // too slow: its queue would have exceeded Config.QueueBytes
	CloseWriteTimeout                    // too slow: a write took longer than Config.WriteTimeout
	CloseShutdown                        // the engine is shutting down
	CloseKicked                          // its client was signed out
	CloseExpired                         // its Identity.Expires passed (see the expiry sweep)
	CloseLogSkip                         // the log lost continuity: every stream resumes from it
	CloseReplayFailed                    // reading the log for its replay failed
	NumCloseReasons                      // how many CloseReasons there are
)

var closeReasonNames = [NumCloseReasons]string{
	"client_gone", "overflow", "write_timeout", "shutdown", "kicked", "expired", "log_skip", "replay_failed",
}

// String returns the name of r as a label value.
func (r CloseReason) String() string { return name(closeReasonNames[:], int(r)) }

func name(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return "unknown"
}
