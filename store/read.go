package store

import (
	"context"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/storekit"
)

// Visit calls fn with each entry in order until fn returns an error or ctx
// ends, and returns that error. Logs end ReadAfter with it, once no lock is
// held.
func Visit(ctx context.Context, entries []*ssehub.Entry, fn func(*ssehub.Entry) error) error {
	return storekit.Visit(ctx, entries, fn)
}
