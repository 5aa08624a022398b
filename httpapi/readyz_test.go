package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/bolt"
)

// failingLog is a real bolt log that reports, as one whose commit failed
// does, that it accepts no more appends.
type failingLog struct {
	*bolt.Log
	err error
}

func (l failingLog) Check(context.Context) error { return l.err }

func TestReadyz(t *testing.T) {
	t.Run("ready", func(t *testing.T) {
		ts := newTestServer(t, ssehub.Config{})
		if code, _, body := ts.send(t, "GET", "/readyz", ""); code != http.StatusOK || !strings.Contains(string(body), "ready") {
			t.Errorf("GET /readyz: %d %s, want 200", code, body)
		}
	})
	t.Run("failed store", func(t *testing.T) {
		bl, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"), ssehub.Retention{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { bl.Close() })
		ts := newTestServer(t, ssehub.Config{Log: failingLog{bl, errors.New("a commit failed: fsync: input/output error")}})
		code, h, body := ts.send(t, "GET", "/readyz", "")
		checkError(t, code, h, body, http.StatusServiceUnavailable, "fsync")
		if code, _, _ := ts.send(t, "GET", "/healthz", ""); code != http.StatusOK {
			t.Errorf("GET /healthz with a failed store: %d, want 200 (the process is alive)", code)
		}
	})
	t.Run("shutting down", func(t *testing.T) {
		ts := newTestServer(t, ssehub.Config{})
		if err := ts.hub.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		code, h, body := ts.send(t, "GET", "/readyz", "")
		checkError(t, code, h, body, http.StatusServiceUnavailable, "closed")
	})
}
