package ssehub

import (
	"testing"

	"github.com/ssehub/ssehub/internal/engine"
)

// Protocol and CloseReason are the engine's own values, converted both
// ways (the engine counts streams by them, the hub reports the counts):
// each constant here has its engine twin's value, and there are as many.
func TestReasonsAreTheEngines(t *testing.T) {
	protocols := map[Protocol]engine.Protocol{
		ProtocolHTTP1:        engine.ProtocolHTTP1,
		ProtocolHTTP1Handler: engine.ProtocolHTTP1Handler,
		ProtocolHTTP2:        engine.ProtocolHTTP2,
		numProtocols:         engine.NumProtocols,
	}
	for p, e := range protocols {
		if uint8(p) != uint8(e) || p.String() != e.String() {
			t.Errorf("Protocol %d (%s) is the engine's %d (%s)", p, p, e, e)
		}
	}
	reasons := map[CloseReason]engine.CloseReason{
		CloseClientGone:   engine.CloseClientGone,
		CloseOverflow:     engine.CloseOverflow,
		CloseWriteTimeout: engine.CloseWriteTimeout,
		CloseShutdown:     engine.CloseShutdown,
		CloseKicked:       engine.CloseKicked,
		CloseExpired:      engine.CloseExpired,
		CloseLogSkip:      engine.CloseLogSkip,
		CloseReplayFailed: engine.CloseReplayFailed,
		numCloseReasons:   engine.NumCloseReasons,
	}
	for r, e := range reasons {
		if uint8(r) != uint8(e) || r.String() != e.String() {
			t.Errorf("CloseReason %d (%s) is the engine's %d (%s)", r, r, e, e)
		}
	}
	if len(protocols) != int(numProtocols)+1 || len(reasons) != int(numCloseReasons)+1 {
		t.Errorf("a constant is missing from this test")
	}
}
