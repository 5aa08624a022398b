package engine

import (
	"sync"
	"sync/atomic"
)

// templateSet is the distinct templates (Identity.Templates) of the
// registered streams, each counted by how many streams have it. A fan-out
// matches an event's topics against this set, once per distinct template,
// and then visits only the streams of the templates that matched: a
// thousand streams on one template cost one match per topic, not a
// thousand.
//
// The list a fan-out reads is replaced, never changed, so a fan-out reads it
// without the set's lock; it changes only when a template gains its first
// stream or loses its last. Each list remembers, for the topics published
// lately, which of its templates matched them (a topic is matched against
// the list once, then looked up), and is dropped with that memory when the
// set changes.
type templateSet struct {
	mu      sync.Mutex
	compile func(selector string) func(topic string) bool // Config.Compile
	refs    map[string]*template
	list    atomic.Pointer[templateList]
}

// A template is one distinct template of a templateSet: compiled once,
// when its first stream registers, and kept while it has streams.
type template struct {
	name  string
	match func(topic string) bool
	refs  int // streams with it
}

// templateList is one state of a templateSet: its templates, and the
// templates that matched each topic of a recent fan-out.
type templateList struct {
	templates []*template

	mu      sync.Mutex
	matched map[string][]string // topic → the templates matching it; read-only slices
	held    int                 // about the bytes matched takes (see matchedCost)
}

// maxMatchedHeld bounds what a templateList remembers of matches, in
// bytes, whatever the topics and templates. Past it, the memory starts
// afresh.
const maxMatchedHeld = 4 << 20

// matchedCost is about the bytes remembering that topic matched n
// templates takes: the topic, a map slot, a slice header and one string
// header per template (the strings share the templates' bytes).
func matchedCost(topic string, n int) int { return len(topic) + 64 + 16*n }

func (ts *templateSet) init(compile func(selector string) func(topic string) bool) {
	ts.compile = compile
	ts.refs = make(map[string]*template)
	ts.list.Store(&templateList{})
}

// ref counts one more stream with template name.
func (ts *templateSet) ref(name string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.refLocked(name) {
		ts.publish()
	}
}

// refLocked counts one more stream with template name, and reports whether
// it is new to the set (the list is then to publish). ts.mu is held.
func (ts *templateSet) refLocked(name string) bool {
	if t := ts.refs[name]; t != nil {
		t.refs++
		return false
	}
	ts.refs[name] = &template{name: name, match: ts.compile(name), refs: 1}
	return true
}

// unref counts one stream fewer with template name.
func (ts *templateSet) unref(name string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t := ts.refs[name]
	if t == nil {
		return
	}
	if t.refs--; t.refs <= 0 {
		delete(ts.refs, name)
		ts.publish()
	}
}

// publish replaces the list with the current templates. ts.mu is held.
func (ts *templateSet) publish() {
	list := make([]*template, 0, len(ts.refs))
	for _, t := range ts.refs {
		list = append(list, t)
	}
	ts.list.Store(&templateList{templates: list})
}

// matching returns the templates that match one of topics, each once. The
// slice returned must not be changed.
func (ts *templateSet) matching(topics []string) []string {
	l := ts.list.Load()
	if len(l.templates) == 0 || len(topics) == 0 {
		return nil
	}
	if len(topics) == 1 {
		return l.matching(topics[0])
	}
	var all []string
	for _, topic := range topics {
		for _, t := range l.matching(topic) {
			if !contains(all, t) {
				all = append(all, t)
			}
		}
	}
	return all
}

// matching returns the templates of l that match topic: remembered, or
// matched now and remembered.
func (l *templateList) matching(topic string) []string {
	l.mu.Lock()
	matched, ok := l.matched[topic]
	l.mu.Unlock()
	if ok {
		return matched
	}
	for _, t := range l.templates {
		if t.match(topic) {
			matched = append(matched, t.name)
		}
	}
	cost := matchedCost(topic, len(matched))
	l.mu.Lock()
	if l.matched == nil || l.held+cost > maxMatchedHeld {
		l.matched, l.held = make(map[string][]string), 0
	}
	if _, dup := l.matched[topic]; !dup { // another fan-out matched it meanwhile
		l.matched[topic] = matched
		l.held += cost
	}
	l.mu.Unlock()
	return matched
}

func contains(list []string, s string) bool {
	for _, t := range list {
		if t == s {
			return true
		}
	}
	return false
}

// count returns how many distinct templates there are.
func (ts *templateSet) count() int { return len(ts.list.Load().templates) }

// Hold counts one more user of each of names, the way a registered
// stream does, unless that would take the distinct templates past limit
// (then ok is false and nothing is held); release undoes it. A hub holds
// a stream's templates from before it is admitted to after it ends, so
// that streams arriving together cannot pass the limit between the check
// and their registration.
func (e *Engine) Hold(names []string, limit int) (release func(), ok bool) {
	ts := &e.reg.templates
	ts.mu.Lock()
	defer ts.mu.Unlock()
	fresh := 0
	for _, n := range names {
		if ts.refs[n] == nil {
			fresh++
		}
	}
	if fresh > 0 && len(ts.refs)+fresh > limit {
		return nil, false
	}
	for _, n := range names {
		ts.refLocked(n)
	}
	if fresh > 0 {
		ts.publish()
	}
	return func() {
		for _, n := range names {
			ts.unref(n)
		}
	}, true
}
