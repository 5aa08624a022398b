package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ssehub/ssehub"
)

// NewRegistry returns a registry holding a Collector over hub (and log, see
// NewCollector) and the Go runtime's and the process's collectors (go_*,
// process_*): what a standalone hub exports. An application that has a
// registry of its own registers NewCollector in it instead.
func NewRegistry(hub *ssehub.Hub, log ssehub.Log) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		NewCollector(hub, log),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// Handler serves NewRegistry(hub, log) to a Prometheus scraper, in the
// format it asks for. It checks no credentials: mount it behind a guard
// (httpapi.Config.Metrics puts it behind the publish keys) or on a listener
// only the monitoring system reaches.
func Handler(hub *ssehub.Hub, log ssehub.Log) http.Handler {
	return promhttp.HandlerFor(NewRegistry(hub, log), promhttp.HandlerOpts{})
}
