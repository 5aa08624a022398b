package selector

import "testing"

// Compile gives Match's answers.
func TestCompile(t *testing.T) {
	topics := []string{"https://example.com/books/1", "https://example.com/books/1/x", "/a", "https://example.com/{broken", "https://example.com/books/{id}"}
	for _, sel := range []string{"*", "/a", "https://example.com/books/{id}", "https://example.com/{+p}", "https://example.com/{broken"} {
		match := Compile(sel)
		for _, topic := range topics {
			if got, want := match(topic), Match(sel, topic); got != want {
				t.Errorf("Compile(%q)(%q) = %v, Match says %v", sel, topic, got, want)
			}
		}
	}
}

// BenchmarkCompiledTemplate is one match of a compiled template against a
// topic: what a fan-out pays per distinct template for a topic it has not
// met lately.
func BenchmarkCompiledTemplate(b *testing.B) {
	match := Compile("https://example.com/rooms/{room}/messages/{id}")
	for b.Loop() {
		if !match("https://example.com/rooms/42/messages/1") {
			b.Fatal("no match")
		}
	}
}

// BenchmarkCompiledTemplateMiss is a compiled template against a topic
// that differs from its literal start: what most templates cost a fan-out.
func BenchmarkCompiledTemplateMiss(b *testing.B) {
	match := Compile("https://example.com/rooms/7/messages/{id}")
	for b.Loop() {
		if match("https://example.com/rooms/42/messages/1") {
			b.Fatal("a match")
		}
	}
}
