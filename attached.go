package ssehub

import (
	"encoding/json"
	"sync"

	"github.com/ssehub/ssehub/internal/engine"
)

// attached is what the hub attaches to a stream (engine.Identity.Extra)
// beyond what the engine delivers by: the details presence shows (a
// Mercure stream's selectors and payload) and the subscription's Watch.
// Streams without any of them carry none: a plain stream pays nothing.
type attached struct {
	selectors []string
	payload   json.RawMessage
	watch     func(live bool)

	settled   sync.Once
	live      chan struct{} // closed once the stream is announced live, or never will be
	announced bool          // Watch(true) was called; written before live closes
}

// attach returns what sub attaches to its stream, or nil.
func attach(sub *Subscription) *attached {
	if len(sub.Selectors) == 0 && sub.Payload == nil && sub.Watch == nil {
		return nil
	}
	return &attached{selectors: sub.Selectors, payload: sub.Payload, watch: sub.Watch, live: make(chan struct{})}
}

// attachedTo returns what is attached to s, or nil.
func attachedTo(s *engine.Stream) *attached {
	a, _ := s.Identity().Extra.(*attached)
	return a
}

// announce calls Watch(true) for a stream that is now live.
func (a *attached) announce() {
	if a == nil {
		return
	}
	a.settled.Do(func() {
		if a.watch != nil {
			a.watch(true)
			a.announced = true
		}
		close(a.live)
	})
}

// settle records that the stream will not be announced if it has not
// been: called whatever became of its opening.
func (a *attached) settle() {
	if a != nil {
		a.settled.Do(func() { close(a.live) })
	}
}

// ended calls Watch(false) for a stream that was announced, once the
// announcement has returned, on a goroutine of its own: the engine closes
// streams in places (a publisher's fan-out) where a Watch that publishes
// would deadlock.
func (a *attached) ended() {
	if a == nil || a.watch == nil {
		return
	}
	go func() {
		<-a.live
		if a.announced {
			a.watch(false)
		}
	}()
}
