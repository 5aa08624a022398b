package mercure

import "github.com/ssehub/ssehub/selector"

// mayPublish reports whether the selectors of a publisher's claim cover
// every topic of an update, as the Mercure hub checks it.
func mayPublish(topics, claim []string) bool {
	for _, t := range topics {
		ok := false
		for _, s := range claim {
			if selector.Match(s, t) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
