package selector

import (
	"fmt"
	"strings"

	"github.com/yosida95/uritemplate/v3"
)

// A Kind is how a selector matches topics.
type Kind uint8

// The kinds of selector.
const (
	Exact    Kind = iota // the topic itself
	Template             // an RFC 6570 URI template: the topics it can expand to
	All                  // "*": every topic
)

// Wildcard is the selector that matches every topic.
const Wildcard = "*"

// KindOf returns how s matches topics: "*" is All, a selector with "{" is
// a Template (as in the Mercure hub: a URI template without an expression
// matches only itself, like an exact topic, so "{" decides), any other is
// Exact.
func KindOf(s string) Kind {
	switch {
	case s == Wildcard:
		return All
	case strings.Contains(s, "{"):
		return Template
	}
	return Exact
}

// ParseTemplate checks that s is a valid RFC 6570 URI template. The error
// says what is wrong, in words fit for an API client.
func ParseTemplate(s string) error {
	if _, err := uritemplate.New(s); err != nil {
		return fmt.Errorf("selector %q is not a valid URI template (RFC 6570): %v", s, err)
	}
	return nil
}

// Match reports whether selector matches topic, with a matcher shared by
// the whole process (see Matcher). An invalid template matches only the
// topic equal to it.
func Match(selector, topic string) bool { return shared.Match(selector, topic) }

// MatchAny reports whether one of selectors matches one of topics.
func MatchAny(selectors, topics []string) bool {
	for _, s := range selectors {
		for _, t := range topics {
			if Match(s, t) {
				return true
			}
		}
	}
	return false
}

// shared is the matcher Match uses.
var shared = NewMatcher(DefaultCacheSize)

// Compile returns a function that reports whether selector matches a
// topic, as Match does, with the template compiled once, now: for a holder
// of a selector that matches it against many topics (the hub's index of
// the templates its streams subscribe with). An invalid template matches
// only the topic equal to it.
func Compile(selector string) func(topic string) bool {
	switch KindOf(selector) {
	case All:
		return func(string) bool { return true }
	case Exact:
		return func(topic string) bool { return topic == selector }
	}
	t, err := uritemplate.New(selector)
	if err != nil {
		return func(topic string) bool { return topic == selector }
	}
	re, prefix := t.Regexp(), literalPrefix(selector)
	return func(topic string) bool {
		return topic == selector || (strings.HasPrefix(topic, prefix) && re.MatchString(topic))
	}
}

// literalPrefix returns the literal text a template starts with, before
// its first expression. The template's regular expression matches it as it
// is, at the start (package uritemplate quotes literals), so a topic
// without it cannot match: most templates are told apart from a topic by
// a prefix comparison, without running the expression.
func literalPrefix(template string) string {
	if i := strings.IndexByte(template, '{'); i >= 0 {
		return template[:i]
	}
	return template
}
