package mercure_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"testing"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/mercure"
)

// templatesHub serves Mercure to anonymous subscribers on a hub that holds
// at most limit distinct URI templates; open subscribes with selectors and
// returns the response, its body closed at the test's end.
func templatesHub(t *testing.T, limit int) (open func(selectors ...string) *http.Response) {
	hub := ssehub.New(ssehub.Config{Log: ssehub.NewMemoryLog(ssehub.Retention{}), Logger: slog.New(slog.DiscardHandler),
		Limits: ssehub.Limits{MaxTemplates: limit}})
	mux := http.NewServeMux()
	mux.Handle(mercure.Path, mercure.New(hub, mercure.Config{Anonymous: true}))
	srv := ssetest.Serve(t, hub, mux)
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	t.Cleanup(cancel)
	return func(selectors ...string) *http.Response {
		q := url.Values{"topic": selectors}
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+mercure.Path+"?"+q.Encode(), nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Error(err)
			return &http.Response{}
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
}

// Every publish matches its topics against each distinct URI template of
// the hub's streams, and each new template rebuilds the list: an anonymous
// client that subscribes with thousands of distinct templates ("{a}-1",
// "{a}-2", ...) cost the hub seconds of CPU and 170 MiB. Limits.MaxTemplates
// bounds them: a stream that would add a template past it is refused with
// 503; one on templates already there is not.
func TestTooManyDistinctTemplatesRefused(t *testing.T) {
	open := templatesHub(t, 3)
	if r := open("{a}-1", "{a}-2", "exact"); r.StatusCode != 200 {
		t.Fatalf("two templates: %d, want 200", r.StatusCode)
	}
	if r := open("{a}-3", "{a}-4"); r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a stream adding the 4th distinct template: %d, want 503", r.StatusCode)
	}
	if r := open("{a}-1", "{a}-2", "{a}-3"); r.StatusCode != 200 {
		t.Fatalf("a stream adding the 3rd: %d, want 200", r.StatusCode)
	}
	if r := open("{a}-3", "{a}-1", "*"); r.StatusCode != 200 {
		t.Fatalf("a stream on templates already held: %d, want 200", r.StatusCode)
	}
}

// Streams arriving together do not pass Limits.MaxTemplates between the
// check and their registration: of 20 streams of 20 new templates at
// once, on a hub with room for one, one opens.
func TestDistinctTemplatesLimitHoldsAtOnce(t *testing.T) {
	open := templatesHub(t, 1)
	codes := make(chan int, 20)
	for i := range 20 {
		go func() { codes <- open(fmt.Sprintf("{b}-%d", i)).StatusCode }()
	}
	opened := 0
	for range 20 {
		switch c := <-codes; c {
		case 200:
			opened++
		case http.StatusServiceUnavailable:
		default:
			t.Errorf("status %d, want 200 or 503", c)
		}
	}
	if opened != 1 {
		t.Errorf("%d streams of distinct templates opened at once, on a hub with room for 1", opened)
	}
}
