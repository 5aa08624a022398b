package mercure

// matches reports whether selector matches topic: "*" every topic, an
// exact selector the topic itself.
// TODO(m1): URI templates, with package selector once it lands.
func matches(selector, topic string) bool {
	return selector == "*" || selector == topic
}

// mayPublish reports whether the selectors of a publisher's claim cover
// every topic of an update, as the Mercure hub checks it.
func mayPublish(topics, claim []string) bool {
	for _, t := range topics {
		ok := false
		for _, s := range claim {
			if matches(s, t) {
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
