// Command ssebench is the load tool of ssehub. It opens many Server-Sent Events
// streams to one hub over loopback, publishes through the hub's HTTP API and
// reports what the streams received: connect time, server memory per
// connection, deliveries per second, publish-to-receive latency, loss.
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
// Scenarios (-scenario):
//
//	idle      open -conns streams, wait -settle, report connect time and server
//	          memory per connection; hold them for -duration if given
//	fanout    publish -events broadcasts as fast as the hub accepts them, wait
//	          until every stream has every event (or -drain): deliveries/s, loss
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
// Only loopback URLs are accepted. Streams are dialed from the source
// addresses 127.0.0.1 ... 127.0.0.K in turn (-sources K, default
// ceil(conns/20000)), since one source address reaches about 28,000
// connections to one port. The tool raises its open-files limit to the hard
// limit; one process holds at most about 19,500 streams, so run several
// processes for more. Every phase is bounded: the whole run ends after
// -timeout at the latest.
package main
