package metrics

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssehub/ssehub"
)

// A FeedLagger is a shared log that reads its entries from elsewhere and
// can tell how far behind it is (redis.Log is one).
type FeedLagger interface {
	FeedLag() time.Duration
}

// A FailoverCounter is a shared log that counts what it saw of its Redis
// failing over (redis.Log is one; see redis.FailoverStats for the exact
// meanings). FeedRestarts is keyed by reason: "stalled" and "error".
type FailoverCounter interface {
	Failovers() uint64
	PrimaryChanges() uint64
	FeedRestarts() map[string]uint64
}

// A Collector is a prometheus.Collector over a hub: each Collect reads the
// hub's snapshot (ssehub.Hub.Metrics) and turns it into constant metrics,
// so Prometheus does no work per event, only per scrape. It collects the
// metrics listed in the package documentation.
type Collector struct {
	hub *ssehub.Hub
	lag FeedLagger      // nil: ssehub_redis_feed_lag_seconds is not reported
	ha  FailoverCounter // nil: the ssehub_redis_ failover counters are not reported

	replicas ReplicaWaiter // nil: ssehub_redis_replica_wait_timeouts_total is not reported
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a Collector over hub, and starts the hub's latency
// histograms (see ssehub.Hub.Metrics): make it before the hub serves, so
// that they count every publish. log is the hub's Log, or nil: when it is
// a FeedLagger, its lag is reported too. Register one Collector
// per hub in a registry (the names would clash); for several hubs in one
// process, wrap each registerer with prometheus.WrapRegistererWith and a
// label telling the hubs apart.
func NewCollector(hub *ssehub.Hub, log ssehub.Log) *Collector {
	c := &Collector{hub: hub}
	hub.Metrics()
	if fl, ok := log.(FeedLagger); ok {
		c.lag = fl
	}
	if fc, ok := log.(FailoverCounter); ok {
		c.ha = fc
	}
	if rw, ok := log.(ReplicaWaiter); ok {
		c.replicas = rw
	}
	return c
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("ssehub_"+name, help, labels, nil)
}

// The metrics, documented in doc.go. Every label's values are a fixed set,
// the labels of ssehub.Metrics' maps: never a client id or a topic.
var (
	streamsOpen     = desc("streams_open", "Event streams open now, by how they are served.", "protocol")
	clients         = desc("clients", "Distinct client ids with a stream open now.")
	streamsOpened   = desc("streams_opened_total", "Event streams opened, by how they are served.", "protocol")
	streamsClosed   = desc("streams_closed_total", "Event streams ended, by why.", "reason")
	streamsRefused  = desc("streams_refused_total", "Event streams refused before they opened, by why.", "reason")
	eventsPublished = desc("events_published_total", "Events published through this node, by target kind, recorded or ephemeral.", "target", "ephemeral")
	deliveries      = desc("deliveries_total", "Events queued for a stream: one per stream an event reached.")
	replayed        = desc("replayed_events_total", "Events written from the log to resuming streams.")
	resets          = desc("resets_total", "Reset events sent to streams whose Last-Event-ID could not be resumed, by why.", "reason")
	logSkips        = desc("log_skips_total", "Times the log lost continuity and every stream was ended to resume from it.")
	queuedBytes     = desc("queued_bytes", "Bytes queued on the streams and not yet written.")
	publishDuration = desc("publish_duration_seconds", "Publish calls (single, batch, idempotent) from their admission to their return.")
	appendDuration  = desc("log_append_duration_seconds", "Appends to the log, the local fan-out included.")
	appendErrors    = desc("log_append_errors_total", "Appends to the log that failed.")
	feedLag         = desc("redis_feed_lag_seconds", "How far behind the shared log this node's feed is: the time since it last had delivered every entry appended.")
	failovers       = desc("redis_failovers_total", "Times this node's feed lost the server holding the log (an error) and came back on another: a Sentinel failover, a cluster slot that moved.")
	primaryChanges  = desc("redis_primary_changes_total", "Changes of the server this node's feed reads the log from (the primary, or the master of the log's slot), whatever the cause.")
	feedRestarts    = desc("redis_feed_restarts_total", "Connections of this node's feed re-established, by why: stalled (it read nothing while Redis answered), error.", "reason")
	// Replica-wait timeouts (-redis-replicas) are declared next to these.
)

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		streamsOpen, clients, streamsOpened, streamsClosed, streamsRefused,
		eventsPublished, deliveries, replayed, resets, logSkips, queuedBytes,
		publishDuration, appendDuration, appendErrors,
	} {
		ch <- d
	}
	if c.lag != nil {
		ch <- feedLag
	}
	if c.ha != nil {
		ch <- failovers
		ch <- primaryChanges
		ch <- feedRestarts
	}
	c.describeReplicas(ch)
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	m := c.hub.Metrics()
	for _, p := range sortedLabels(m.Streams) {
		ch <- gauge(streamsOpen, float64(m.Streams[p]), p)
		ch <- counter(streamsOpened, m.Opened[p], p)
	}
	ch <- gauge(clients, float64(m.Clients))
	for _, r := range sortedLabels(m.Closed) {
		ch <- counter(streamsClosed, m.Closed[r], r)
	}
	for _, r := range sortedLabels(m.Refused) {
		ch <- counter(streamsRefused, m.Refused[r], r)
	}
	for _, k := range sortedLabels(m.Published) {
		ch <- counter(eventsPublished, m.Published[k], k, strconv.FormatBool(false))
		ch <- counter(eventsPublished, m.PublishedEphemeral[k], k, strconv.FormatBool(true))
	}
	ch <- counter(deliveries, m.Deliveries)
	ch <- counter(replayed, m.Replayed)
	for _, r := range sortedLabels(m.Resets) {
		ch <- counter(resets, m.Resets[r], r)
	}
	ch <- counter(logSkips, m.Skips)
	ch <- gauge(queuedBytes, float64(m.QueuedBytes))
	ch <- histogram(publishDuration, &m.PublishLatency)
	ch <- histogram(appendDuration, &m.AppendLatency)
	ch <- counter(appendErrors, m.AppendErrors)
	if c.lag != nil {
		ch <- gauge(feedLag, c.lag.FeedLag().Seconds())
	}
	if c.ha != nil {
		c.collectFailovers(ch)
	}
	c.collectReplicas(ch)
}

// collectFailovers collects the failover counters of a shared log.
func (c *Collector) collectFailovers(ch chan<- prometheus.Metric) {
	ch <- counter(failovers, c.ha.Failovers())
	ch <- counter(primaryChanges, c.ha.PrimaryChanges())
	restarts := c.ha.FeedRestarts()
	for _, r := range sortedLabels(restarts) {
		ch <- counter(feedRestarts, restarts[r], r)
	}
}

// sortedLabels returns the labels of counts in order, so that every scrape
// collects in the same order.
func sortedLabels[V any](counts map[string]V) []string {
	return slices.Sorted(maps.Keys(counts))
}

func gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func counter(d *prometheus.Desc, v uint64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

// histogram turns a latency snapshot into a Prometheus histogram: its
// buckets are cumulative, in seconds.
func histogram(d *prometheus.Desc, h *ssehub.Histogram) prometheus.Metric {
	bounds := h.Bounds()
	buckets := make(map[float64]uint64, len(bounds))
	var below uint64
	for i, b := range bounds {
		below += h.Counts[i]
		buckets[b.Seconds()] = below
	}
	return prometheus.MustNewConstHistogram(d, h.Count(), h.Sum.Seconds(), buckets)
}
