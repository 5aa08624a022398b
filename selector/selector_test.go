package selector

import (
	"fmt"
	"sync"
	"testing"
)

// Exact selectors, "*" and URI templates match as the Mercure hub matches
// them.
func TestMatch(t *testing.T) {
	for _, c := range []struct {
		selector, topic string
		want            bool
	}{
		{"https://example.com/books/1", "https://example.com/books/1", true},
		{"https://example.com/books/1", "https://example.com/books/2", false},
		{"*", "https://example.com/books/1", true},
		{"*", "anything at all", true},
		{"https://example.com/books/{id}", "https://example.com/books/1", true},
		{"https://example.com/books/{id}", "https://example.com/books/", true}, // an empty value expands too
		{"https://example.com/books/{id}", "https://example.com/books/1/reviews", false},
		{"https://example.com/books/{id}", "https://example.com/authors/1", false},
		{"https://example.com/{+path}", "https://example.com/books/1/reviews", true},
		{"https://example.com/books/{id}{?lang}", "https://example.com/books/1?lang=fr", true},
		{"/users/{user}/rooms/{room}", "/users/alice/rooms/7", true},
		{"/users/{user}/rooms/{room}", "/users/alice", false},
		{"room-1", "room-10", false},
		{"https://example.com/{broken", "https://example.com/x", false},            // not a template: nothing
		{"https://example.com/{broken", "https://example.com/{broken", true},       // but itself, as Mercure does
		{"https://example.com/books/{id}", "https://example.com/books/{id}", true}, // equal strings match first, as in Mercure
		{"https://example.com/bo.ks/{id}", "https://example.com/books/1", false},   // a literal "." is not a wildcard
		{"{scheme}://example.com/{id}", "https://example.com/1", true},             // no literal start
		{"/a+b/{id}", "/a+b/1", true},
		{"/café/{id}", "/café/1", true}, // literals as they are
	} {
		if got := Match(c.selector, c.topic); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.selector, c.topic, got, c.want)
		}
		m := NewMatcher(4)
		for range 3 { // cached or not, the same answer
			if got := m.Match(c.selector, c.topic); got != c.want {
				t.Errorf("Matcher.Match(%q, %q) = %v, want %v", c.selector, c.topic, got, c.want)
			}
		}
	}
}

// KindOf sorts selectors as the hub indexes them, and ParseTemplate
// refuses what is not a template.
func TestKindOfAndParseTemplate(t *testing.T) {
	for s, want := range map[string]Kind{
		"*": All, "room-1": Exact, "https://example.com/books/1": Exact,
		"https://example.com/books/{id}": Template, "{x}": Template, "a*": Exact,
	} {
		if got := KindOf(s); got != want {
			t.Errorf("KindOf(%q) = %v, want %v", s, got, want)
		}
	}
	if err := ParseTemplate("https://example.com/books/{id}"); err != nil {
		t.Errorf("a valid template: %v", err)
	}
	for _, bad := range []string{"https://example.com/{broken", "{a}}", "{!x}", "{}"} {
		if err := ParseTemplate(bad); err == nil {
			t.Errorf("ParseTemplate(%q): no error", bad)
		}
	}
}

// MatchAny matches when one selector matches one topic.
func TestMatchAny(t *testing.T) {
	sel := []string{"/a/{x}", "b"}
	if !MatchAny(sel, []string{"c", "/a/1"}) || !MatchAny(sel, []string{"b"}) {
		t.Error("MatchAny missed a match")
	}
	if MatchAny(sel, []string{"c", "/a/1/2"}) || MatchAny(nil, []string{"b"}) || MatchAny(sel, nil) {
		t.Error("MatchAny matched nothing matching")
	}
}

// Hostile topics and templates, each new, cost a bounded cache: the
// matcher keeps at most its size of results and a sixteenth of it of
// compiled templates, and still answers right.
func TestMatcherIsBounded(t *testing.T) {
	const size = 256
	m := NewMatcher(size)
	for i := range 10_000 {
		tmpl := fmt.Sprintf("/t%d/{x}", i%1000)
		if !m.Match(tmpl, fmt.Sprintf("/t%d/%d", i%1000, i)) {
			t.Fatalf("no match at %d", i)
		}
		if m.Match(tmpl, fmt.Sprintf("/u%d", i)) {
			t.Fatalf("a match at %d", i)
		}
	}
	if n := m.results.len(); n > size {
		t.Errorf("%d results cached, at most %d", n, size)
	}
	if n := m.regexps.len(); n > size/16 {
		t.Errorf("%d templates cached, at most %d", n, size/16)
	}
}

// What is matched again and again stays cached across turns of the
// generations.
func TestMatcherKeepsWhatIsUsed(t *testing.T) {
	m := NewMatcher(64)
	hot := pair{"/hot/{x}", "/hot/1"}
	for i := range 1000 {
		m.Match(hot.template, hot.topic)
		m.Match("/cold/{x}", fmt.Sprintf("/cold/%d", i))
	}
	if _, hit := m.results.get(hot); !hit {
		t.Error("a pair matched every other call fell out of the cache")
	}
}

// Concurrent matching is safe (run with -race) and right.
func TestMatcherConcurrent(t *testing.T) {
	m := NewMatcher(32)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				topic := fmt.Sprintf("/r/%d", (i+g)%50)
				if !m.Match("/r/{id}", topic) || m.Match("/s/{id}", topic) {
					t.Errorf("wrong answer for %s", topic)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkMatchCached(b *testing.B) {
	m := NewMatcher(DefaultCacheSize)
	for b.Loop() {
		m.Match("https://example.com/books/{id}", "https://example.com/books/42")
	}
}

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
