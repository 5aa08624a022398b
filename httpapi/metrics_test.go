package httpapi_test

import (
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
)

// GET /metrics serves Config.Metrics behind the publish keys, as the admin
// routes are; without a Metrics handler there is no such route.
func TestMetricsRoute(t *testing.T) {
	const key = "metrics-route-key-0123456789"
	var scrapes atomic.Int32
	stub := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { scrapes.Add(1); w.Write([]byte("ssehub_clients 0\n")) })

	ts := newAPIServer(t, ssehub.Config{}, httpapi.Config{PublishKeys: []string{key}, Metrics: stub})
	for _, c := range []struct {
		method, key string
		want        int
	}{
		{"GET", "", http.StatusUnauthorized},
		{"GET", "wrong-key-0123456789abc", http.StatusForbidden},
		{"POST", key, http.StatusMethodNotAllowed},
		{"GET", key, http.StatusOK},
	} {
		req, _ := http.NewRequest(c.method, ts.srv.URL+"/metrics", nil)
		if c.key != "" {
			req.Header.Set("Authorization", "Bearer "+c.key)
		}
		resp, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s /metrics with key %q: %d, want %d", c.method, c.key, resp.StatusCode, c.want)
		}
	}
	if n := scrapes.Load(); n != 1 {
		t.Errorf("the metrics handler served %d scrapes, want 1", n)
	}

	open := newAPIServer(t, ssehub.Config{}, httpapi.Config{Metrics: stub})
	if code, _, _ := open.do(t, http.MethodGet, "/metrics", "", nil); code != http.StatusOK {
		t.Errorf("GET /metrics without publish keys: %d, want 200", code)
	}
	none := newAPIServer(t, ssehub.Config{}, httpapi.Config{})
	if code, _, _ := none.do(t, http.MethodGet, "/metrics", "", nil); code != http.StatusNotFound {
		t.Errorf("GET /metrics without a Metrics handler: %d, want 404", code)
	}
}
