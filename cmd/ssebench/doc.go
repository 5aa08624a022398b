// Command ssebench is the load tool of ssehub. It opens many Server-Sent Events
// streams to one hub over loopback, or to the nodes of a cluster, publishes
// through the hub's HTTP API and reports what the streams received: connect
// time, server memory per connection, deliveries per second,
// publish-to-receive latency, broadcast completion time, loss.
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
// one pseudo-random client as the targeted scenario does. Their streams are
// all open before the first event, so each logical stream, across its
// reconnects, is checked against the events it was owed: those published
// with a 200 answer to everyone or to its client (recomputed from the seq,
// not stored). The report gives, summed over the streams and as the number
// of streams concerned: expected, received, missing, split into silent and
// announced (lost in the span of hub ids a reset event announced: after its
// lastEventId, up to its id), duplicates, out of order (a first delivery
// whose hub id is not above the previous one's: the hub promises its log's
// order, which concurrent publishers make differ from the seq order),
// events meant for another client, and reset events, with the first few
// streams that failed. The publishers note each event's hub id from its
// receipt, which places it against the reset spans. -strict fails a run
// with silent missing, duplicate, out-of-order or misdelivered events;
// announced loss is the hub keeping its promise when its history no longer
// holds a stream's position.
//
// With -batch N (ssehub only, at most 1000) the publishing scenarios send N
// events per request: the event rate stays -rate, so -rate 10000 -batch 10
// is 1,000 requests/s, and fanout sends its -events in ceil(events/N)
// requests. The events of one request share its send time as their publish
// time and keep their own sequence numbers; a failed request counts all its
// events as publish errors. The report gives the batch size and requests/s
// next to events/s.
//
// Every event's data is "<seq> <unix nanoseconds at publish> <padding to
// -size bytes>"; a stream subtracts the publish time from its receive time.
// Paced scenarios add publishers (up to 256) when every one is busy, so that
// a slow hub shows in the latency rather than in late time stamps.
//
// The tool's own cost is in the report: each open stream costs one goroutine
// (about 4 KiB of stack) and -bufsize bytes of buffers, about 8.5 KiB of RSS
// in all; each delivery costs about 5-8 µs of CPU when events arrive in
// bursts and 11-14 µs when they arrive one at a time (two read system calls
// and a wake-up), and each publish about 25 µs with the default raw
// HTTP/1.1 client (-nethttp: net/http's client, about twice that). On a
// small machine shared with the hub, compare the tool's and the server's CPU
// lines before blaming the hub. -procs sets the tool's GOMAXPROCS and
// -cpuprofile writes its CPU profile.
//
// # TLS and HTTP/2
//
// With https:// URLs the streams and the publishes run over TLS: -ca
// names a PEM file of the hub's certificate (or of its CA) to check it
// against, -insecure accepts any (a self-signed test certificate); the
// tool keeps TLS session tickets, as a browser does, so reconnects resume
// sessions. -proto chooses the streams' protocol:
//
//	h1  HTTP/1.1 (the default): a connection per stream, the raw client
//	    above, inside a TLS connection for https://
//	h2  HTTP/2, opened by net/http's client transport: over TLS with ALPN
//	    for https://, cleartext with prior knowledge (h2c) for http://.
//	    -h2-streams-per-conn streams (default 100) share a connection, as a
//	    browser's tabs share one to an origin; a stream keeps its group of
//	    streams, and so its connection, when a storm or churn cuts it (its
//	    request is canceled, the connection stays)
//
// The publishes stay on the raw HTTP/1.1 client, over TLS for https://;
// with -nethttp they follow -proto. The report's protocol line says what
// the streams used and, for h2, how many connections were dialed. Over
// HTTP/1.1 with TLS a stream costs the tool about 24 KiB (TLS buffers);
// over HTTP/2 about 17 KiB and two goroutines (the reader and the
// transport's per-request one), plus a reading goroutine per connection.
//
// Only loopback URLs are accepted. Streams are dialed from the source
// addresses 127.0.0.F ... 127.0.0.F+K-1 in turn (-sources K, default
// ceil(conns/20000); -source-first F, default 1), since one source address
// reaches about 28,000 connections to one port. The tool raises its
// open-files limit to the hard limit; one process holds at most about
// 19,500 streams under a limit of 20,000, so run several processes for
// more (see Clusters). Every phase is bounded: the whole run ends after
// -timeout at the latest.
//
// # Clusters
//
// -url takes one base URL per node, comma-separated, and -pid the nodes'
// process ids the same way (memory and CPU are summed over them; the
// report also gives each process's, and the nodes' whole VmRSS per
// stream). The load is spread so that every event crosses nodes:
//
//	stream i            opens on node i mod N
//	a reconnect         goes to the next node, i+1 mod N, with Last-Event-ID
//	                    (storm and churn cuts, ends by the server): every
//	                    storm moves every stream, so the stream checks prove
//	                    that resuming on another node is exact
//	publish request k   goes to node k mod N (its events are seq k*batch ..)
//
// With N > 1 the latency is also split into deliveries by the node the
// event was published on and by the others (cross-node latency), and the
// "server said" count of deliveries is the publishing nodes' own streams
// only. With one URL nothing changes.
//
// Several processes side by side, for idle and fanout runs beyond one
// process's streams: give each its own client ids (-id-prefix p1-, p2-, ...)
// and source addresses (-source-first 1, 2, ... with -sources 1 for up to
// 20,000 streams each), the same -url, -events and -batch. For fanout, all
// but one run with -listen (they publish nothing and wait, within -timeout,
// for the -events broadcasts) and -ready-file; once every listener wrote
// its file, start the last, publishing one. Each writes -json with
// -mergeable, and -merge adds them up into one report, with percentiles
// and completion times over all their streams:
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
// The merged server memory is the earliest reading before the streams and
// the latest after them: the publishing process, started last, reads it
// with every stream open. scripts/cluster.sh runs storms, a fanout and a
// latency run against a cluster of its own; SCALE=1 runs this fanout over
// five nodes and 95,000 streams.
//
// # Comparing with the yardstick
//
// scripts/compare.sh runs each of its scenarios against the yardstick and
// against ssehub and ends with -compare, which prints the comparison table
// of the results it wrote:
//
//	ssebench -compare DIR [-baseline scripts/compare-baseline.json] [-save-baseline FILE]
//
// When DIR holds no yardstick results (the yardstick lives outside the
// repository, and a fresh clone has none), the yardstick's figures come
// from the -baseline file, one earlier run's, and the table's heading says
// so, with the date and machine of that run. -save-baseline writes DIR's
// yardstick results as a new baseline.
package main
