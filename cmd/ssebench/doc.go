// Command ssebench is the load tool of ssehub. It opens many Server-Sent Events
// streams to one hub over loopback, or to the nodes of a cluster, publishes
// through the hub's HTTP API and reports what the streams received: connect
// time, server memory per connection, deliveries per second,
// publish-to-receive latency, broadcast completion time, loss.
// docs/PERFORMANCE.md has its results, the scripts that run it, and what the
// tool itself costs per stream and per delivery.
//
// It drives two servers, chosen with -target:
//
//	ssehub     GET /sse?id=<client>; POST /publish with a JSON body
//	           {"broadcast":true,"data":"..."} or {"clients":["c1"],"data":"..."},
//	           or with -batch N > 1 a JSON array of N such objects
//	yardstick  GET /sse?id=<client>; POST /publish[?to=<client>] with the data as body
//
// Usage:
//
//	ssebench -url http://127.0.0.1:3090 -target yardstick -pid $(pgrep -n yardstick) \
//	         -scenario fanout -conns 10000 -events 200 [-json out.json]
//
// Without -url the tool goes to http://127.0.0.1:3020, where ssehub
// listens when started without flags (its -addr :3020).
//
// Scenarios (-scenario):
//
//	idle      open -conns streams, wait -settle, report connect time and server
//	          memory per connection; hold them for -duration if given
//	fanout    publish -events broadcasts as fast as the hub accepts them, wait
//	          until every stream has every event (or -drain): deliveries/s,
//	          loss, and each broadcast's completion time (publish to its last
//	          delivery over all streams: p50, p99, max over the broadcasts)
//	latency   broadcast at -rate events/s for -duration: latency percentiles,
//	          loss, and whether latency grew (p99 of the first vs last quarter)
//	targeted  connection i uses client c<i mod -clients>; -rate publishes/s, each
//	          to one pseudo-random client: latency, loss
//	churn     publish at -rate for -duration while closing and reopening a
//	          fraction -churn of the streams per second (with Last-Event-ID on
//	          ssehub): loss of the streams that never closed, and gaps and
//	          duplicates across reconnects
//	storm     publish at -rate for -duration and every -storm-every (default
//	          5s) cut every open stream at once, each reconnecting at once
//	          with Last-Event-ID (or after a uniform random delay in
//	          [0, -storm-jitter)); ssehub only: the yardstick cannot resume
//
// churn and storm publish broadcasts, or with -to targeted each event to
// one pseudo-random client. Each of their streams, across its reconnects,
// is checked against the events it was owed (checks.go): missing events,
// split into silent and announced (by a reset event), duplicates, events out
// of the hub's order, and events meant for another client. -strict fails a
// run with silent missing, duplicate, out-of-order or misdelivered events.
//
// With -batch N (ssehub only, at most 1000) the publishing scenarios send N
// events per request at the same event rate: -rate 10000 -batch 10 is 1,000
// requests/s. Every event's data is "<seq> <unix nanoseconds at publish>
// <padding to -size bytes>"; a stream subtracts the publish time from its
// receive time. The report puts the tool's CPU next to the server's: on a
// small machine shared with the hub, compare them before blaming the hub.
// -procs sets the tool's GOMAXPROCS and -cpuprofile writes its CPU profile.
//
// # TLS and HTTP/2
//
// With https:// URLs the streams and the publishes run over TLS: -ca
// names a PEM file of the hub's certificate (or of its CA), -insecure
// accepts any. -proto chooses the streams' protocol: h1, HTTP/1.1 (the
// default), one connection per stream; h2, HTTP/2 (over TLS with ALPN, or
// h2c for http://), -h2-streams-per-conn streams (default 100) to a
// connection, as a browser's tabs share one. The publishes stay on a raw
// HTTP/1.1 client; with -nethttp they use net/http's, following -proto.
// internal/loadconn opens the streams.
//
// Only loopback URLs are accepted. Streams are dialed from the source
// addresses 127.0.0.F ... 127.0.0.F+K-1 in turn (-sources K, default
// ceil(conns/20000); -source-first F, default 1). The tool raises its
// open-files limit to the hard limit; one process holds at most about
// 19,500 streams under a limit of 20,000, so run several processes for
// more. Every phase is bounded: the whole run ends after -timeout at the
// latest.
//
// # Clusters
//
// -url takes one base URL per node, comma-separated, and -pid the nodes'
// process ids the same way (memory and CPU are summed over them). Stream i
// opens on node i mod N and each reconnect goes to the next node, publish
// request k goes to node k mod N (nodes.go); with N > 1 the latency is also
// split into same-node and cross-node deliveries.
//
// Several processes side by side hold more streams than one: give each its
// own client ids (-id-prefix) and source addresses (-source-first, with
// -sources 1 for up to 20,000 streams each), the same -url, -events and
// -batch. For fanout, all but one listen (-listen, -ready-file); once every
// listener wrote its file, start the publishing one. -merge adds their
// -mergeable results up into one report:
//
//	for i in 1 2 3 4; do
//	  ssebench -scenario fanout -listen -ready-file r$i -id-prefix p$i- -source-first $i -sources 1 \
//	           -url $URLS -pid $PIDS -conns 19000 -events 1 -timeout 15m -mergeable -json p$i.json &
//	done
//	# wait for r1 .. r4
//	ssebench -scenario fanout -id-prefix p5- -source-first 5 -sources 1 \
//	         -url $URLS -pid $PIDS -conns 19000 -events 1 -mergeable -json p5.json
//	wait; ssebench -merge -json all.json p1.json p2.json p3.json p4.json p5.json
//
// scripts/cluster.sh runs storms, a fanout and a latency run against a
// cluster of its own; SCALE=1 runs this fanout over five nodes and 95,000
// streams.
//
// # Comparing with the yardstick
//
// scripts/compare.sh runs its scenarios against the yardstick and ssehub
// and ends with the comparison table of the results it wrote:
//
//	ssebench -compare DIR [-baseline scripts/compare-baseline.json] [-save-baseline FILE]
//
// Without yardstick results in DIR (a fresh clone has none), the
// yardstick's figures come from the -baseline file, and the table's
// heading says so; -save-baseline writes DIR's yardstick results as a new
// baseline.
package main
