// Package suggest finds the name a user probably meant when they typed one
// that nothing knows: a misspelt flag, environment variable or query
// parameter, so that the refusal can say "did you mean ...?".
//
// It depends on the standard library only.
//
// Who imports it: the root package (/sse's query parameters), httpapi (form
// fields) and cmd/ssehub (flags and environment variables).
package suggest
