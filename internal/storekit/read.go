package storekit

import "context"

// Visit calls fn with each entry in order until fn returns an error or ctx
// ends, and returns that error. Logs end ReadAfter with it, once no lock is
// held.
func Visit[E any](ctx context.Context, entries []E, fn func(E) error) error {
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
