// Package httpapi is ssehub's HTTP surface: the routes a standalone hub
// serves, with their request decoding and JSON errors. It imports the hub;
// the hub knows nothing of it.
//
//	GET  /sse?id=<client>&topic=<t>   an event stream (see ssehub.Hub.ServeHTTP)
//	POST /publish                     publish one event (JSON or form body)
//	POST /ping/{id}                   publish "Hello <id>" to client id
//	GET  /healthz                     200 while the process runs and is not shutting down
//	GET  /readyz                      200 when the hub can serve: its store (Redis) answers
//	GET  /metrics                     Prometheus metrics, when Config.Metrics is set
//	GET  /                            the demo page (every other path is 404)
//	GET  /clients                     the clients with open streams, a page at a time
//	GET  /clients/{id}                that client's streams, or 404
//	DELETE /clients/{id}              end that client's streams (see ssehub.Hub.Kick)
//
// With a cluster (ssehub.Config.Cluster), /clients, /clients/{id}, /ping's
// 404 and DELETE /clients/{id} span every live node; when the other nodes
// cannot be asked they answer 503 with Retry-After.
//
// Publishing (/publish, /ping) and the /clients routes require a publish key
// when Config.PublishKeys has any, and is refused to browser pages of origins not listed in
// Config.AllowOrigins (CSRF), keys or not. Without keys they answer only
// requests whose Host is an IP address, localhost or a name of
// Config.AllowHosts (DNS rebinding). Every route but /sse must receive its
// request body within Config.BodyTimeout.
//
// The handler can be mounted under a prefix, as
// http.StripPrefix("/hub", api) (no trailing slash): the routes are then
// /hub/sse, /hub/publish, ..., and the demo page is at /hub/, its routes
// relative to its own address; /hub redirects there.
//
// A JSON body is read strictly, so that it has the one meaning any other
// reader of it (a proxy, an audit log) would give it: invalid UTF-8 (an
// escaped lone surrogate too), a name given twice in one object (inside
// "data" too) and a field name in another case are refused with 400,
// naming the field (see strictJSON).
//
// Every refusal is a 4xx with a JSON body {"error": "..."} that says what is
// wrong, and changes nothing: /ping's 404, a path no route serves (404) and
// a method a route does not take (405, with Allow) too. A publish whose
// store cannot be reached gets 503 with Retry-After (see
// ssehub.ErrUnavailable). MetricsOnly serves /metrics on a listener of its
// own by the same rules.
package httpapi
