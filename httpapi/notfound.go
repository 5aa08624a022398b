package httpapi

import (
	"fmt"
	"net/http"
)

// notFound answers a path no route serves with the API's JSON 404:
// net/http's own is plain text ("404 page not found"), which a client
// reading every answer as JSON cannot parse.
func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, fmt.Sprintf("no such path: %.200q", r.URL.Path))
}

// MetricsOnly returns the handler of a listener of its own for Prometheus
// metrics (h, typically metrics.Handler): GET /metrics, with no publish key,
// and for everything else the API's JSON 404 and 405.
func MetricsOnly(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", allow("GET", h))
	mux.HandleFunc("/", notFound)
	return mux
}
