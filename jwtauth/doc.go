// Package jwtauth authenticates event-stream subscribers with signed JSON Web
// Tokens (github.com/golang-jwt/jwt/v5): a [Verifier] is an
// [ssehub.Authorizer].
//
// A backend that knows who the user is mints a short-lived token for them
// and hands it to the page, which opens its EventSource with it. The hub
// then needs no session of its own:
//
//		{"sub": "alice", "iat": 1767222000, "exp": 1767225600, "topics": ["room-1", "news/*"]}
//
//	  - sub is the client id: the stream receives alice's events. A query
//	    that asks for another id (?id=bob) is refused with 403.
//	  - exp is required. A token past it is refused with 401, and a stream
//	    opened with it ends when it passes (the page must come back with a
//	    new token). nbf, when present, is enforced too; so are aud and iss
//	    when the Verifier is configured with them.
//	  - iat is required, and not in the future: after Hub.Kick("alice"),
//	    tokens of alice issued before the kick are refused.
//	  - topics, optional, limits the topics the stream may ask for. An
//	    entry ending in "*" allows every topic that starts with what comes
//	    before that last "*": "news/*" allows "news/" and "news/today",
//	    "news*" allows "news" and "news-secret", "*" alone allows any
//	    topic. Any other entry allows exactly that topic. Without the claim
//	    any topic may be asked for; an empty list allows none.
//
// A topic never contains "*" (the hub refuses one with 400, see
// ssehub.ValidateTopic), so an entry with a "*" before its end ("a*b",
// "news**") matches nothing. Check a name a user chose with ssehub.ValidateTopic
// before putting it into the claim: "news*" is no topic, but in the claim
// it would allow every topic starting with "news".
//
// The token is read from, in this order: the Authorization header (Bearer),
// the "token" query parameter (a browser's EventSource cannot set headers),
// the "ssehub_token" cookie (EventSource withCredentials, across origins).
//
// Tokens are signed with HS256 (a shared secret) or with a private key whose
// public half the Verifier holds: RS256 (RSA), ES256 (ECDSA P-256) or EdDSA
// (Ed25519). Any other algorithm, an unsigned token ("alg": "none") or a
// token signed with a key of the wrong kind is refused.
//
// Who imports it: cmd/ssehub (-jwt-secret, -jwt-public-key), and any
// application that wants subscriber tokens (it is an ssehub.Authorizer).
package jwtauth
