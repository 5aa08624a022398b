package main

import (
	"net/url"

	"github.com/ssehub/ssehub/internal/loadconn"
)

// Mercure mode (-mercure): each stream subscribes the way a Mercure client
// does, GET /.well-known/mercure with two URI templates, one every stream
// shares and one of its client's own,
//
//	topic=https://ssebench.test/everyone/{event}
//	topic=https://ssebench.test/clients/<client id>/{event}
//
// and each event is published (POST /publish, ssehub's API: its ids stay
// the hub's sequence numbers, which the checks read) to a topic one of them
// matches: a broadcast to https://ssebench.test/everyone/events, an event
// for one client to https://ssebench.test/clients/<client id>/events. So
// the hub matches one template per client against each targeted event,
// and the per-stream checks hold the Mercure streams to what they hold
// ssehub's: every event once, in order, across reconnects (by
// Last-Event-ID, as a Mercure client resumes). The hub runs with -mercure
// and -mercure-anonymous (the streams send no token).

// mercureBase begins every topic and template of Mercure mode.
const mercureBase = "https://ssebench.test/"

// mercurePath is the path and query of the Mercure subscription of client.
func mercurePath(client string) string {
	return "/.well-known/mercure?topic=" + url.QueryEscape(mercureBase+"everyone/{event}") +
		"&topic=" + url.QueryEscape(mercureBase+"clients/"+client+"/{event}")
}

// mercureTopic is the topic an event for client ("": everyone) is
// published to in Mercure mode.
func mercureTopic(client string) string {
	if client == "" {
		return mercureBase + "everyone/events"
	}
	return mercureBase + "clients/" + client + "/events"
}

// streamPath is the path and query of client's stream: ssehub's, or in
// Mercure mode its Mercure subscription.
func (c *Config) streamPath(client string) string {
	if c.Mercure {
		return mercurePath(client)
	}
	return loadconn.StreamPath(client)
}

// normalizeMercure checks -mercure: an ssehub target, HTTP/1.1 streams.
func (c *Config) normalizeMercure() error {
	switch {
	case !c.Mercure:
		return nil
	case c.Target != targetSSEHub:
		return usageError{"-mercure needs -target ssehub"}
	case c.Proto != protoH1:
		return usageError{"-mercure opens HTTP/1.1 streams only: drop -proto " + c.Proto}
	}
	return nil
}
