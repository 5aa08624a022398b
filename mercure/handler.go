package mercure

import (
	"net/http"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/jwtauth"
)

// Path is where the Mercure hub is served (the protocol's well-known URL).
const Path = "/.well-known/mercure"

// SubscriptionsPath is where the active subscriptions API is served, with
// Config.Subscriptions: SubscriptionsPath, SubscriptionsPath/{topic} and
// SubscriptionsPath/{topic}/{subscriber}.
const SubscriptionsPath = Path + "/subscriptions"

// Config says how a Handler authorizes publishers and subscribers.
type Config struct {
	// Publisher verifies publisher tokens (claim mercure.publish). Nil
	// refuses every publish with 401: a Mercure hub without a publisher
	// key cannot be published to.
	Publisher *jwtauth.Verifier

	// Subscriber verifies subscriber tokens (claim mercure.subscribe). Nil
	// reads no token, as the Mercure hub without a subscriber key: every
	// subscriber is anonymous then, and may subscribe only if Anonymous.
	Subscriber *jwtauth.Verifier

	// Anonymous lets subscribers without a token subscribe: they receive
	// public updates only. A token that is present but invalid is refused
	// all the same.
	Anonymous bool

	// PublishOrigins lists the origins ("https://app.example.com", or "*")
	// whose browser pages may publish with a token in the cookie; a
	// publish by cookie from any other page, or without an Origin or
	// Referer, is refused with 401. Tokens in a header or the query need
	// no origin.
	PublishOrigins []string

	// Subscriptions serves the active subscriptions API at
	// SubscriptionsPath and publishes subscription events.
	Subscriptions bool

	// MaxBodyBytes bounds a publish request's body (413 beyond); zero
	// means DefaultMaxBodyBytes. MaxDataBytes, when not zero, bounds an
	// update's data (413 beyond).
	MaxBodyBytes int64
	MaxDataBytes int
}

// DefaultMaxBodyBytes bounds a publish request's body when
// Config.MaxBodyBytes is zero.
const DefaultMaxBodyBytes = 1 << 20

// A Handler serves the Mercure protocol over an ssehub.Hub. Mount it at
// Path and, with Config.Subscriptions, at SubscriptionsPath + "/".
type Handler struct {
	hub    *ssehub.Hub
	cfg    Config
	mux    *http.ServeMux
	events eventQueue // subscription events waiting to be published
}

// New returns a Handler serving h with cfg.
func New(h *ssehub.Hub, cfg Config) *Handler {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	m := &Handler{hub: h, cfg: cfg, mux: http.NewServeMux()}
	m.mux.HandleFunc("GET "+Path, m.subscribe)
	m.mux.HandleFunc("POST "+Path, m.publish)
	if cfg.Subscriptions {
		m.mux.HandleFunc("GET "+SubscriptionsPath, m.subscriptions)
		m.mux.HandleFunc("GET "+SubscriptionsPath+"/{topic}", m.subscriptions)
		m.mux.HandleFunc("GET "+SubscriptionsPath+"/{topic}/{subscriber}", m.subscriptions)
	}
	m.mux.HandleFunc("/", notFound)
	return m
}

// ServeHTTP implements http.Handler.
func (m *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mux.ServeHTTP(w, r)
}

// notFound answers a path under Path that no route serves, in plain text
// as every answer of the Mercure hub.
func notFound(w http.ResponseWriter, r *http.Request) {
	http.Error(w, http.StatusText(http.StatusNotFound), http.StatusNotFound)
}
