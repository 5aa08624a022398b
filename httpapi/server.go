package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/ssehub/ssehub"
)

// DefaultMaxBodyBytes bounds a publish request's body when
// Config.MaxBodyBytes is zero.
const DefaultMaxBodyBytes = 1 << 20

// New returns the handler of a standalone hub serving h.
func New(h *ssehub.Hub, cfg Config) http.Handler {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = DefaultBodyTimeout
	}
	a := &api{hub: h, cfg: cfg}
	guard := newPublishGuard(cfg)
	mux := http.NewServeMux()
	mux.Handle("/sse", cfg.cors(allow("GET", h)))
	route := func(path, methods string, h http.HandlerFunc) {
		mux.Handle(path, cfg.corsAPI(allow(methods, guard.wrap(h)), methods))
	}
	route("/publish", "POST", a.publish)
	route("/ping/{id}", "POST", a.ping)
	route("/clients", "GET", a.clients)
	route("/clients/{id}", "GET, DELETE", a.client)
	if cfg.Metrics != nil {
		route("/metrics", "GET", cfg.Metrics.ServeHTTP)
	}
	if cfg.Mercure != nil { // the Mercure protocol; see Config.Mercure
		mercure := guard.csrf.Handler(cfg.Mercure)
		mux.Handle("/.well-known/mercure", cfg.corsMercure(allow("GET, POST", mercure)))
		mux.Handle("/.well-known/mercure/subscriptions", cfg.corsMercure(allow("GET", mercure)))
		mux.Handle("/.well-known/mercure/subscriptions/{topic}", cfg.corsMercure(allow("GET", mercure)))
		mux.Handle("/.well-known/mercure/subscriptions/{topic}/{subscriber}", cfg.corsMercure(allow("GET", mercure)))
	}
	mux.Handle("/healthz", allow("GET", http.HandlerFunc(a.healthz)))
	mux.Handle("/readyz", allow("GET", http.HandlerFunc(a.readyz)))
	mux.Handle("/{$}", allow("GET", demo()))           // the demo page
	mux.Handle("/ssehub.js", allow("GET", ssehubJS())) // SharedEventSource, for pages on any origin
	mux.HandleFunc("/", notFound)                      // every other path
	return slashRoot(withBodyDeadline(cfg.BodyTimeout, mux))
}

// allow answers requests with another method than those listed ("GET" or
// "GET, DELETE"; HEAD goes with GET) with 405 and a JSON error, as every
// other refusal.
func allow(methods string, h http.Handler) http.Handler {
	ok := strings.Split(methods, ", ")
	if slices.Contains(ok, http.MethodGet) {
		ok = append(ok, http.MethodHead)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(ok, r.Method) {
			w.Header().Set("Allow", methods)
			writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use "+methods)
			return
		}
		h.ServeHTTP(w, r)
	})
}

type api struct {
	hub *ssehub.Hub
	cfg Config
}

func (a *api) healthz(w http.ResponseWriter, r *http.Request) {
	if a.hub.Stats().Closing {
		writeError(w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers whether the hub can serve (a load balancer's readiness
// probe): 200, or 503 with the reason (shutting down, the store or Redis
// unreachable).
func (a *api) readyz(w http.ResponseWriter, r *http.Request) {
	if err := a.hub.Ready(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, "not ready: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// publishError answers a failed Publish: the client's fault (400), a store
// without idempotency keys (501), the hub's shutdown or an unreachable store
// (503, with Retry-After either way), or the log's failure (500).
func publishError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ssehub.ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, ssehub.ErrNoIdempotency):
		writeError(w, http.StatusNotImplemented, "this hub's store does not support Idempotency-Key: publish without it")
	case errors.Is(err, ssehub.ErrClosed):
		w.Header().Set("Retry-After", "1") // another node, or this one restarted, will take it
		writeError(w, http.StatusServiceUnavailable, "shutting down: publish again later")
	case errors.Is(err, ssehub.ErrUnavailable):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "the event store is unavailable ("+err.Error()+"): publish again later, with an Idempotency-Key so that a retry cannot publish twice")
	default:
		writeError(w, http.StatusInternalServerError, "publish failed: "+err.Error())
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // an API answer, not HTML: "<key>" stays readable
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorBody{Error: msg})
}

type errorBody struct {
	Error string `json:"error"`
}
