// Package client publishes to an ssehub server from Go, over its HTTP API
// (see docs/API.md), so that a backend needs no HTTP code of
// its own:
//
//	c, err := client.New("https://hub.example.com", client.Options{PublishKey: key})
//	r, err := c.Publish(ctx, client.Message{Clients: []string{"alice"}, Type: "chat", Data: []byte("hi")})
//
// It covers publishing (one event or a batch), presence (a page of the
// clients with an open stream, every page in turn, one client's streams)
// and kicks. It depends on the standard library only: a publisher does not
// import the hub itself, and [Message] is a small struct of its own that
// mirrors the JSON body of POST /publish rather than the hub's
// ssehub.Message (the same fields, by the same names).
//
// # Retries, and why a retry never publishes twice
//
// A request that fails for a passing reason is sent again: a 503 (the hub
// shutting down, its Redis unreachable), a 429, a 502 or 504 from a proxy
// in front, or no answer at all (connection refused or reset, a timeout).
// A Retry-After the hub sends is honoured, in seconds or as an HTTP date;
// otherwise the waits grow from 100 ms, doubling, to 2 s, with jitter.
// Retries are bounded by [Options.MaxAttempts] and [Options.MaxWait], and
// end at once when the context does.
//
// Retrying a publish whose answer was lost is safe only because every
// Publish and PublishBatch call sends an Idempotency-Key, random (128 bits)
// and the same for each attempt of that call: the hub publishes the first
// attempt that reaches it and answers any later one with the first one's
// ids, marked [Receipt.Repeated], without publishing again. To make a
// publish safe to repeat across a restart of the publisher itself, give the
// key yourself with [Client.PublishOnce] and keep it with the work it
// belongs to. The hub remembers keys for an hour (its Retention.KeyWindow).
//
// # Errors
//
// An answer other than 200 is an [*Error] holding the status and the hub's
// message; errors.Is matches it against [ErrUnauthorized], [ErrForbidden],
// [ErrInvalid], [ErrNotFound], [ErrTooLarge], [ErrKeyReused],
// [ErrRateLimited] and [ErrUnavailable]. When retries run out, the error
// says how many attempts were made and wraps the last one's.
package client
