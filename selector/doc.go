// Package selector matches topics the way Mercure subscribers choose them:
// a topic selector is an exact topic, an RFC 6570 URI template that a topic
// may match (https://example.com/books/{id}), or "*", every topic.
//
// The hub (package ssehub), its delivery engine and the adapters that read
// selectors from requests and tokens (mercure, jwtauth) share it, so that a
// selector means one thing everywhere. It imports no ssehub package.
//
// Matching a template compiles it to a regular expression once, and the
// result for a (selector, topic) pair is cached: a hub matches the same few
// templates against the same topics over and over. Both caches are bounded,
// so subscribers and publishers that send ever new selectors and topics
// cost a bounded amount of memory (and, past the bound, the time to match
// afresh).
package selector
