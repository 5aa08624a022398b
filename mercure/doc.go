// Package mercure serves the Mercure protocol (as the Mercure hub's 0.x
// releases deploy it) over an ssehub.Hub: subscribers open
// GET /.well-known/mercure?topic=<selector>, publishers POST form-encoded
// updates to the same URL, both authorized with Mercure's JWTs. It is an
// adapter, beside package httpapi: the hub, its log and its cluster are
// ssehub's, so an ssehub topic is a Mercure topic and the other way round.
//
// # Subscribe
//
// GET /.well-known/mercure?topic=S (repeatable; at least one) opens an
// event stream for the selectors S: exact topics, RFC 6570 URI templates
// or "*". The stream is an ssehub.Subscription with those Selectors and a
// client id of its own ("urn:uuid:<v4>", Mercure's subscriber id), served
// by Hub.ServeStream the Mercure way (see ssehub.Subscription.Selectors).
// Its Private selectors come from the subscriber token's mercure.subscribe
// claim. Mercure's lastEventID query parameter stands for the
// Last-Event-ID header when that is absent.
//
// # Publish
//
// POST /.well-known/mercure with the form fields topic (repeatable, the
// first is the canonical one), data, private, id, type and retry publishes
// one update; the answer is 200 text/plain with its id (a generated
// "urn:uuid:<v4>" when the publisher gave none). Refusals are Mercure's:
// plain-text bodies, the token checked first.
//
// # Tokens
//
// Publisher tokens carry {"mercure": {"publish": [selectors]}}, subscriber
// tokens {"mercure": {"subscribe": [selectors]}}; they are verified by
// package jwtauth (HS256 with a secret, or RS256, ES256, EdDSA with a
// public key). A token comes from the Authorization header (Bearer), the
// mercureAuthorization cookie or the authorization query parameter.
//
// # Active subscriptions
//
// With Config.Subscriptions, GET SubscriptionsPath[/{topic}[/{subscriber}]]
// lists the active subscriptions (one per selector of each subscriber) in
// JSON-LD, cluster-wide through the hub's presence (Hub.ClientPage,
// Hub.Streams: a stream's Selectors and Payload, the token's
// mercure.payload claim), and each subscriber's arrival and departure is
// published as a private update on its subscription's URL (through
// ssehub.Subscription.Watch). Access needs a subscriber token whose
// mercure.subscribe claim covers the URL, as in the Mercure hub.
//
// Who imports it: cmd/ssehub (-mercure), and any application that embeds
// an ssehub.Hub and wants to speak Mercure.
package mercure
