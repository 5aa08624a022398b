package httpapi

import (
	"net/http"
	"time"
)

// Config tunes the HTTP surface. The zero value serves pages of the hub's own
// origin only.
type Config struct {
	// AllowOrigins lists the origins ("https://app.example.com") whose pages
	// may open event streams from a browser; "*" allows every origin. An
	// EventSource on another origin than the hub's needs this. The origins
	// listed by name may also publish from a browser; "*" does not extend to
	// publishing (see PublishKeys).
	AllowOrigins []string

	// PublishKeys, when not empty, are the keys of which POST /publish and
	// POST /ping/{id} require one, as "Authorization: Bearer <key>" (401
	// without, 403 with another). Without keys publishing is open to anyone
	// who can reach the hub, but never to a browser page of an origin not
	// listed in AllowOrigins (cross-site request forgery), keys or not.
	PublishKeys []string

	// AllowHosts lists host names ("hub.internal") for which a hub without
	// PublishKeys answers publishing and the admin routes (/publish, /ping,
	// /clients, /metrics). Without keys, those answer only requests whose
	// Host is an IP address, localhost or *.localhost, or a name listed
	// here (403 otherwise): a web page of a name that its author resolves
	// to the hub's address (DNS rebinding) would otherwise publish and read
	// /clients. With PublishKeys any Host is answered.
	AllowHosts []string

	// MaxBodyBytes bounds a publish request's body (413 beyond); zero means
	// DefaultMaxBodyBytes. MaxDataBytes, when not zero, bounds each event's
	// data (413 beyond).
	MaxBodyBytes int64
	MaxDataBytes int

	// BodyTimeout bounds the time a request's body may take to arrive,
	// from the handler's start, on every route but /sse: a publish whose
	// body is late gets 408, and a body left unread (a refused request's)
	// closes the connection. Zero means DefaultBodyTimeout.
	BodyTimeout time.Duration

	// Metrics, when set, is served at GET /metrics (metrics.Handler, for
	// Prometheus), behind the publish keys as /clients is: with
	// PublishKeys a scraper sends "Authorization: Bearer <key>"; without,
	// it is open. Nil serves no /metrics (to serve it on a listener of its
	// own, mount the handler there instead).
	Metrics http.Handler

	// Mercure, when set, is served at MercurePath and below it (package
	// mercure's Handler): the Mercure protocol beside the hub's own API.
	// Its routes answer their own 404 and 405, in plain text as Mercure's
	// clients expect. CORS follows AllowOrigins; a browser page of an
	// origin not listed by name may not POST to it (cross-site request
	// forgery). The Host check of AllowHosts does not apply: a Mercure
	// publish always needs a publisher token, which stands for a key.
	Mercure http.Handler
}

// MercurePath is the Mercure protocol's well-known URL (see Config.Mercure).
const MercurePath = "/.well-known/mercure"
