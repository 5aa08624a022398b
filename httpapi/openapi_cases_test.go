package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/jwtauth"
	"github.com/ssehub/ssehub/metrics"
)

// docServer is a hub behind its real HTTP API, metrics included.
type docServer struct {
	hub *ssehub.Hub
	srv *httptest.Server
}

func newDocServer(t *testing.T, cfg ssehub.Config, api httpapi.Config) *docServer {
	t.Helper()
	cfg.Logger = slog.New(slog.DiscardHandler)
	hub := ssehub.New(cfg)
	api.Metrics = metrics.Handler(hub, cfg.Log)
	return &docServer{hub: hub, srv: ssetest.Serve(t, hub, httpapi.New(hub, api))}
}

// An apiCase is one request, what the document must say of it, and the
// status the server must answer; the answer is then held to the document.
type apiCase struct {
	server       string // "open", "keyed" (publish key and subscriber tokens), "full" (no room for a stream), "closed" (shut down)
	method, path string
	header       []string // name, value, ...
	body         string
	req          verdict
	want         int
	stall        bool                                       // after body, the request's body stops arriving (and never ends)
	check        func(t *testing.T, d *apiDoc, x exchanged) // more to check, if any
}

const (
	docKey    = "openapi-test-publish-key-0123456789"
	docSecret = "openapi-test-secret-of-32-bytes!"
	jsonCT    = "application/json"
	formCT    = "application/x-www-form-urlencoded"
)

// docToken is a subscriber token for client sub.
func docToken(t *testing.T, sub string) string {
	t.Helper()
	now := time.Now()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": sub, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}).SignedString([]byte(docSecret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// isReset requires a stream that starts with a reset event whose data is
// the document's ResetEventData, for the reason given.
func isReset(reason string) func(t *testing.T, d *apiDoc, x exchanged) {
	return func(t *testing.T, d *apiDoc, x exchanged) {
		data, ok := eventData(string(x.body), "reset")
		if !ok {
			t.Fatalf("the stream starts with %q, want a reset event", x.body)
		}
		d.checkSchema(t, "ResetEventData", []byte(data))
		if !strings.Contains(data, `"reason":"`+reason+`"`) {
			t.Errorf("reset data %s, want reason %q", data, reason)
		}
	}
}

// stallBody makes req send body and then nothing more, as a client that
// stops sending would, until the test ends.
func stallBody(t *testing.T, req *http.Request, body string) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req.Body = io.NopCloser(io.MultiReader(strings.NewReader(body), stalled{ctx}))
	req.ContentLength = int64(len(body)) + 1000
}

// stalled is a body that never arrives: its Read returns when ctx is done.
type stalled struct{ ctx context.Context }

func (s stalled) Read([]byte) (int, error) {
	<-s.ctx.Done()
	return 0, s.ctx.Err()
}

// isRepeated requires a publish receipt marked repeated.
func isRepeated(t *testing.T, d *apiDoc, x exchanged) {
	if !strings.Contains(string(x.body), `"repeated":true`) {
		t.Errorf("answer %s, want a receipt marked repeated", x.body)
	}
}

// Every route, with good and bad input, against the real server: each
// request is judged by the document as the case says, each answer's status
// is the one expected and its status, headers and body are what the
// document says of them; every documented operation is exercised.
func TestOpenAPIDescribesTheServer(t *testing.T) {
	d := loadAPIDoc(t)
	limits := ssehub.Limits{MaxStreamsPerClient: 1, MaxTopics: 2}
	v, err := jwtauth.New(jwtauth.Config{Secret: []byte(docSecret)})
	if err != nil {
		t.Fatal(err)
	}
	servers := map[string]*docServer{
		"open": newDocServer(t, ssehub.Config{Limits: limits}, httpapi.Config{
			MaxBodyBytes: 4096, MaxDataBytes: 64,
			BodyTimeout: 300 * time.Millisecond, // for the 408 case
		}),
		"keyed":   newDocServer(t, ssehub.Config{Authorizer: v}, httpapi.Config{PublishKeys: []string{docKey}}),
		"full":    newDocServer(t, ssehub.Config{Limits: ssehub.Limits{MaxStreams: 1}}, httpapi.Config{}),
		"closed":  newDocServer(t, ssehub.Config{}, httpapi.Config{}),
		"mercure": newMercureDocServer(t),
	}
	for _, name := range []string{"open", "full"} { // alice's stream: she is connected; the full hub is full
		s := servers[name]
		ssetest.OpenRegistered(t, s.srv.Client(), s.srv.URL+"/sse?id=alice&topic=room-1", nil)
	}
	if err := servers["closed"].hub.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	alice := docToken(t, "alice")
	auth := "Authorization"
	bearer := "Bearer " + docKey
	long := strings.Repeat("x", 300) // a client id over 256 bytes
	big := `{"clients":["alice"],"data":"` + strings.Repeat("x", 5000) + `"}`

	cases := []apiCase{
		// GET /sse
		{server: "open", method: "GET", path: "/sse?id=carol&topic=room-1&topic=news", want: 200},
		{server: "open", method: "GET", path: "/sse", want: 200},
		{server: "open", method: "GET", path: "/sse?id=dave", header: []string{"Last-Event-ID", "not-an-id"}, want: 200, check: isReset("unknown")},
		{server: "open", method: "GET", path: "/sse?id=erin&lastEventId=99999999999999999", want: 200, check: isReset("unknown")},
		{server: "open", method: "GET", path: "/sse?id=alice", want: 429},
		{server: "open", method: "GET", path: "/sse?id=%01", req: docRefuses, want: 400},
		{server: "open", method: "GET", path: "/sse?id=frank&topic=", req: docRefuses, want: 400},
		{server: "open", method: "GET", path: "/sse?id=a&id=b", req: docSilent, want: 400},
		{server: "open", method: "GET", path: "/sse?id=gina&topic=a&topic=b&topic=c", want: 400},
		{server: "open", method: "GET", path: "/sse?id=hal&topic=%zz", req: docSilent, want: 400},
		{server: "open", method: "GET", path: "/sse?id=ian&topics=room-1", req: docSilent, want: 400},
		{server: "open", method: "GET", path: "/sse?id=jo&topic=news*", req: docRefuses, want: 400},
		{server: "keyed", method: "GET", path: "/sse?id=alice", want: 401},
		{server: "keyed", method: "GET", path: "/sse?token=not.a.token", want: 401},
		{server: "keyed", method: "GET", path: "/sse?token=" + alice, want: 200},
		{server: "keyed", method: "GET", path: "/sse?id=alice", header: []string{auth, "Bearer " + alice}, want: 200},
		{server: "keyed", method: "GET", path: "/sse", header: []string{"Cookie", "ssehub_token=" + alice}, want: 200},
		{server: "keyed", method: "GET", path: "/sse?id=bob&token=" + alice, want: 403},
		{server: "full", method: "GET", path: "/sse?id=bob", want: 503},
		{server: "closed", method: "GET", path: "/sse?id=bob", want: 200},

		// POST /publish
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"clients":["alice"],"event":"chat","data":{"text":"hi"}}`, want: 200},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `[{"clients":["alice"],"data":"a"},{"topics":["room-1"],"data":"b"},{"broadcast":true}]`, want: 200},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", formCT}, body: "client=alice&client=bob&topic=room-1&event=chat&data=hi", want: 200},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", formCT}, body: "broadcast=true&ephemeral=true&data=tick", want: 200},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"broadcast":true,"ephemeral":true,"data":"tick"}`, want: 200},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT, "Idempotency-Key", "order-1"}, body: `{"clients":["alice"],"data":1}`, want: 200},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT, "Idempotency-Key", "order-1"}, body: `{"clients":["alice"],"data":1}`, want: 200, check: isRepeated},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT, "Idempotency-Key", "order-1"}, body: `{"clients":["alice"],"data":2}`, want: 422},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT, "Idempotency-Key", "two words"}, body: `{"clients":["alice"]}`, req: docRefuses, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"data":"x"}`, req: docRefuses, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"topics":[],"broadcast":false}`, req: docRefuses, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"clients":["alice"],"colour":"red"}`, req: docRefuses, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"clients":["alice"]`, req: docRefuses, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `[]`, req: docRefuses, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `[{"clients":["alice"]},{"data":"no target"}]`, req: docRefuses, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"clients":["alice"],"event":"a\nb"}`, req: docRefuses, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"clients":[""]}`, req: docRefuses, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", formCT}, body: "broadcast=maybe", req: docRefuses, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", formCT}, body: "data=a&data=b&broadcast=true", req: docSilent, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", formCT}, body: "data=a", req: docRefuses, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", formCT}, body: "colour=red&broadcast=true", req: docSilent, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: big, want: 413},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"broadcast":true,"data":"` + strings.Repeat("y", 100) + `"}`, want: 413},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", "text/plain"}, body: "hello", req: docRefuses, want: 415},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT, "Sec-Fetch-Site", "cross-site"}, body: `{"broadcast":true}`, want: 403},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"Clients":["alice"],"data":"x"}`, req: docRefuses, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"clients":["alice"],"clients":["bob"]}`, req: docSilent, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"clients":["al` + "\xff" + `ice"]}`, req: docSilent, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"topics":["news*"]}`, req: docRefuses, want: 400},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT, "Host", "rebind.attacker.example"}, body: `{"broadcast":true}`, want: 403},
		{server: "open", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"broadcast":`, stall: true, req: docSilent, want: 408},
		{server: "keyed", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"broadcast":true}`, want: 401},
		{server: "keyed", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT, auth, "Bearer wrong-key"}, body: `{"broadcast":true}`, want: 403},
		{server: "keyed", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT, auth, bearer}, body: `{"broadcast":true}`, want: 200},
		{server: "closed", method: "POST", path: "/publish", header: []string{"Content-Type", jsonCT}, body: `{"broadcast":true}`, want: 503},

		// POST /ping/{id}
		{server: "open", method: "POST", path: "/ping/alice", want: 200},
		{server: "open", method: "POST", path: "/ping/" + long, req: docRefuses, want: 400},
		{server: "open", method: "POST", path: "/ping/nobody", want: 404},
		{server: "keyed", method: "POST", path: "/ping/alice", want: 401},
		{server: "keyed", method: "POST", path: "/ping/alice", header: []string{auth, "Bearer wrong-key"}, want: 403},

		// GET /clients, GET and DELETE /clients/{id}
		{server: "open", method: "GET", path: "/clients", want: 200},
		{server: "open", method: "GET", path: "/clients?limit=1&after=", want: 200},
		{server: "open", method: "GET", path: "/clients?limit=0", req: docRefuses, want: 400},
		{server: "open", method: "GET", path: "/clients?limit=many", req: docRefuses, want: 400},
		{server: "open", method: "GET", path: "/clients", header: []string{"Host", "rebind.attacker.example"}, want: 403},
		{server: "keyed", method: "GET", path: "/clients", want: 401},
		{server: "keyed", method: "GET", path: "/clients", header: []string{auth, bearer}, want: 200},
		{server: "open", method: "GET", path: "/clients/alice", want: 200},
		{server: "open", method: "GET", path: "/clients/nobody", want: 404},
		{server: "open", method: "GET", path: "/clients/" + long, req: docRefuses, want: 400},
		{server: "keyed", method: "GET", path: "/clients/alice", header: []string{auth, "Bearer wrong-key"}, want: 403},
		{server: "open", method: "DELETE", path: "/clients/nobody", want: 200},
		{server: "open", method: "DELETE", path: "/clients/" + long, req: docRefuses, want: 400},
		{server: "keyed", method: "DELETE", path: "/clients/alice", want: 401},

		// Probes, metrics, the demo page
		{server: "open", method: "GET", path: "/healthz", want: 200},
		{server: "open", method: "GET", path: "/readyz", want: 200},
		{server: "closed", method: "GET", path: "/healthz", want: 503},
		{server: "closed", method: "GET", path: "/readyz", want: 503},
		{server: "open", method: "GET", path: "/metrics", want: 200},
		{server: "open", method: "GET", path: "/metrics", header: []string{"Accept", "application/openmetrics-text; version=1.0.0"}, want: 200},
		{server: "keyed", method: "GET", path: "/metrics", want: 401},
		{server: "keyed", method: "GET", path: "/metrics", header: []string{auth, "Bearer wrong-key"}, want: 403},
		{server: "keyed", method: "GET", path: "/metrics", header: []string{auth, bearer}, want: 200},
		{server: "open", method: "GET", path: "/?id=alice&topic=room-1&type=typing", want: 200},
		{server: "open", method: "GET", path: "/ssehub.js", want: 200},

		// Methods a path does not serve, paths that are not the API's
		{server: "open", method: "POST", path: "/sse", want: 405},
		{server: "open", method: "GET", path: "/publish", want: 405},
		{server: "open", method: "GET", path: "/ping/alice", want: 405},
		{server: "open", method: "PUT", path: "/clients", want: 405},
		{server: "open", method: "PUT", path: "/clients/alice", want: 405},
		{server: "open", method: "POST", path: "/healthz", want: 405},
		{server: "open", method: "DELETE", path: "/readyz", want: 405},
		{server: "open", method: "POST", path: "/metrics", want: 405},
		{server: "open", method: "POST", path: "/", want: 405},
		{server: "open", method: "POST", path: "/ssehub.js", want: 405},
		{server: "open", method: "GET", path: "/nope", want: 404},  // plain text until then
		{server: "open", method: "GET", path: "/sse/x", want: 404}, // plain text until then
		{server: "open", method: "POST", path: "/publish/x", want: 404},

		// Last, as it ends alice's stream.
		{server: "open", method: "DELETE", path: "/clients/alice", want: 200},
	}

	cases = append(cases, mercureCases(t)...)

	covered := map[string]bool{} // "GET /clients/{id}"
	for i, c := range cases {
		name := fmt.Sprintf("%02d %s %s %s", i, c.server, c.method, c.path)
		if len(name) > 80 {
			name = name[:80]
		}
		t.Run(name, func(t *testing.T) {
			s := servers[c.server]
			req, err := http.NewRequest(c.method, s.srv.URL+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i+1 < len(c.header); i += 2 {
				if c.header[i] == "Host" {
					req.Host = c.header[i+1]
					continue
				}
				req.Header.Add(c.header[i], c.header[i+1])
			}
			route, pathKnown := d.checkRequest(t, req, c.body, c.req)
			if c.stall {
				stallBody(t, req, c.body)
			}
			x := send(t, s.srv.Client(), req)
			if x.status != c.want {
				t.Errorf("status %d (body %q), want %d", x.status, x.body, c.want)
			}
			d.checkResponse(t, route, pathKnown, x)
			if c.check != nil {
				c.check(t, d, x)
			}
			if route != nil {
				covered[route.Method+" "+route.Path] = true
			}
		})
	}
	for path, item := range d.doc.Paths.Map() {
		for method := range item.Operations() {
			if !covered[method+" "+path] {
				t.Errorf("%s %s is documented but no case exercises it", method, path)
			}
		}
	}
}
