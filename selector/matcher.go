package selector

import (
	"regexp"
	"strings"
	"sync"

	"github.com/yosida95/uritemplate/v3"
)

// DefaultCacheSize is how many (template, topic) results the shared
// matcher keeps: at about 150 bytes each with short strings, some 10 MiB at
// the most, shared by the whole process.
const DefaultCacheSize = 1 << 16

// A Matcher matches topics against selectors, caching compiled templates
// and the results for (template, topic) pairs. Exact selectors and "*" are
// answered without the cache. It is safe for concurrent use.
//
// Each cache is two generations of at most size/2 entries: a lookup
// tries the young one, then the old one (and moves a hit to the young
// one); when the young one is full it becomes the old one, and the old
// one is dropped. Memory stays bounded, and what is matched again and
// again stays cached.
type Matcher struct {
	results cache[pair, bool]
	regexps cache[string, *regexp.Regexp] // nil: not a valid template
}

// A pair is a template and a topic matched against it.
type pair struct{ template, topic string }

// NewMatcher returns a Matcher that caches at most size results, and at
// most size/16 (at least 16) compiled templates.
func NewMatcher(size int) *Matcher {
	m := &Matcher{}
	m.results.init(max(size, 2))
	m.regexps.init(max(size/16, 16))
	return m
}

// Match reports whether selector matches topic: "*" matches every topic,
// an exact selector the topic equal to it, a template the topics it can
// expand to. An invalid template matches only the topic equal to it.
func (m *Matcher) Match(selector, topic string) bool {
	if selector == topic || selector == Wildcard {
		return true
	}
	if KindOf(selector) != Template {
		return false
	}
	// A topic a template matches begins with the template's literal
	// prefix, verbatim (uritemplate quotes it in the regexp): a topic that
	// does not is refused before the cache, which it would only churn (a
	// hub matches every distinct template against each event's topics,
	// unique ones such as Mercure's subscription events included).
	if i := strings.IndexByte(selector, '{'); !strings.HasPrefix(topic, selector[:i]) {
		return false
	}
	p := pair{selector, topic}
	if ok, hit := m.results.get(p); hit {
		return ok
	}
	re := m.regexp(selector)
	ok := re != nil && re.MatchString(topic)
	m.results.put(p, ok)
	return ok
}

// regexp returns template's compiled form, nil if it is not valid.
func (m *Matcher) regexp(template string) *regexp.Regexp {
	if re, hit := m.regexps.get(template); hit {
		return re
	}
	var re *regexp.Regexp
	if t, err := uritemplate.New(template); err == nil {
		re = t.Regexp()
	}
	m.regexps.put(template, re)
	return re
}

// cache is a bounded map in two generations (see Matcher).
type cache[K comparable, V any] struct {
	mu         sync.RWMutex
	young, old map[K]V
	half       int // the most entries a generation holds
}

func (c *cache[K, V]) init(size int) {
	c.half = max(size/2, 1)
	c.young = make(map[K]V)
}

func (c *cache[K, V]) get(k K) (V, bool) {
	c.mu.RLock()
	v, ok := c.young[k]
	if ok {
		c.mu.RUnlock()
		return v, true
	}
	v, ok = c.old[k]
	c.mu.RUnlock()
	if ok {
		c.put(k, v) // used again: keep it through the next turn of generations
	}
	return v, ok
}

func (c *cache[K, V]) put(k K, v V) {
	c.mu.Lock()
	if len(c.young) >= c.half {
		c.old, c.young = c.young, make(map[K]V, c.half)
	}
	c.young[k] = v
	c.mu.Unlock()
}

// len returns how many entries the cache holds, for tests.
func (c *cache[K, V]) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.young) + len(c.old)
}
