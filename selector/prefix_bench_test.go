package selector

import (
	"fmt"
	"testing"
)

// BenchmarkMatchUniqueTopic is what a hub pays per event whose topic is
// seen once (a Mercure subscription event's, with its subscriber's id)
// when 301 distinct templates are open: each is matched against it.
func BenchmarkMatchUniqueTopic(b *testing.B) {
	m := NewMatcher(DefaultCacheSize)
	var templates []string
	for i := range 300 {
		templates = append(templates, fmt.Sprintf("https://example.com/clients/c%d/{event}", i))
	}
	templates = append(templates, "https://example.com/everyone/{event}")
	topics := make([]string, 4096)
	for i := range topics {
		topics[i] = fmt.Sprintf("/.well-known/mercure/subscriptions/https%%3A%%2F%%2Fexample.com%%2Feveryone%%2F%%7Bevent%%7D/urn%%3Auuid%%3A%d", i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		topic := topics[i%len(topics)] + "x" // new each time, as an event's
		for _, t := range templates {
			m.Match(t, topic)
		}
	}
}
