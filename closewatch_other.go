//go:build !linux

package ssehub

import "log/slog"

// A closeWatcher notices when the peer of a taken-over stream hangs up. This
// portable version spends a goroutine per connection on a blocked read; the
// Linux one watches every socket from one goroutine with epoll.
type closeWatcher struct{}

type watchToken struct{}

func newCloseWatcher(*slog.Logger) *closeWatcher { return &closeWatcher{} }

func (w *closeWatcher) add(s *takenStream, c *conn) {
	go func() {
		var b [64]byte
		for {
			if _, err := s.nc.Read(b[:]); err != nil {
				c.close()
				return
			}
		}
	}()
}

func (w *closeWatcher) remove(*takenStream) {}
func (w *closeWatcher) run()                {}
func (w *closeWatcher) stop()               {}
