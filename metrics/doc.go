// Package metrics exports a hub's counters to Prometheus. The hub counts
// (ssehub.Hub.Metrics: atomic counters, no lock and no allocation on the
// paths it counts) and knows nothing of Prometheus; this package reads the
// hub's snapshot at each scrape and turns it into constant metrics, so a
// scrape costs a pass over the registry and no event costs Prometheus
// anything.
//
// [Handler] serves a hub's metrics with the Go runtime's (go_*) and the
// process's (process_*); [NewCollector] is the collector alone, for an
// application's own registry. The standalone server serves them at
// /metrics (httpapi.Config.Metrics), behind its publish keys, or on a
// listener of their own.
//
// # The metrics
//
// Every figure is this node's; in a cluster, sum the nodes. No label ever
// carries a client id, a topic or any other value of unbounded variety:
// each label's values are the fixed set listed.
//
//	ssehub_streams_open{protocol}           gauge: streams open now; protocol is
//	                                        http1_takeover (HTTP/1.x taken over from net/http),
//	                                        http1_handler (HTTP/1.x on net/http's handler), http2, or
//	                                        mercure (a Mercure subscription, whatever its HTTP version)
//	ssehub_clients                          gauge: distinct client ids with a stream open
//	ssehub_streams_opened_total{protocol}   counter: streams opened (admitted, response begun)
//	ssehub_streams_closed_total{reason}     counter: streams ended, by the first reason decided:
//	                                        client_gone (hung up, or a write failed), overflow (too slow:
//	                                        its queue overflowed), write_timeout (too slow: a write
//	                                        timed out), shutdown, kicked, expired (its token expired),
//	                                        log_skip (the log lost continuity), replay_failed (the log
//	                                        could not be read for its replay)
//	ssehub_streams_refused_total{reason}    counter: streams refused before opening: hub_full (503),
//	                                        client_limit (429), address_limit (429), unauthorized (401),
//	                                        forbidden (403), invalid (400)
//	ssehub_events_published_total{target,ephemeral}
//	                                        counter: events published through this node; target is
//	                                        broadcast, client, topic or mixed (clients and topics),
//	                                        ephemeral is true or false; a repeated idempotent publish
//	                                        publishes nothing
//	ssehub_deliveries_total                 counter: events queued for a stream, one per stream reached
//	                                        (events published on other nodes included)
//	ssehub_replayed_events_total            counter: events replayed from the log to resuming streams
//	ssehub_resets_total{reason}             counter: reset events sent: expired, unknown
//	ssehub_log_skips_total                  counter: times the log lost continuity (every stream ended)
//	ssehub_queued_bytes                     gauge: bytes queued on streams, not yet written
//	ssehub_publish_duration_seconds         histogram: Publish, PublishBatch, PublishOnce from their
//	                                        admission (validated) to their return (a batch is one)
//	ssehub_log_append_duration_seconds      histogram: the log's appends, local fan-out included
//	ssehub_log_append_errors_total          counter: the log's appends that failed
//	ssehub_redis_feed_lag_seconds           gauge, with a shared log only (redis.Log): the time
//	                                        since this node's feed last had delivered every entry
//	                                        appended; about 0 when healthy, growing while Redis
//	                                        cannot be read
//	ssehub_redis_failovers_total            counter, with a shared log only: times the feed lost the
//	                                        server holding the log and came back on another
//	                                        (a Sentinel failover, a cluster slot that moved)
//	ssehub_redis_primary_changes_total      counter, with a shared log only: changes of the server
//	                                        the feed reads the log from, whatever the cause
//	ssehub_redis_feed_restarts_total{reason} counter, with a shared log only: the feed's connection
//	                                        re-established: stalled (read nothing for 3 s while
//	                                        Redis answered), error
//	ssehub_redis_replica_wait_timeouts_total counter, with a shared log only (redis.Log): appends
//	                                        that fewer replicas than -redis-replicas confirmed in
//	                                        time (the publisher got 503; the event may still appear)
//
// The histograms' buckets are ssehub.Histogram.Bounds: 10 µs to 5 s. They
// count the publishes from the Collector's creation on: the hub reads no
// clock for its publishes until someone asks for its figures (see
// ssehub.Hub.Metrics).
//
// Who imports it: cmd/ssehub, and an application that serves the hub's
// metrics in a Prometheus registry of its own.
package metrics
