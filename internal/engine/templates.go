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
// without a lock; it changes only when a template gains its first stream
// or loses its last.
type templateSet struct {
	mu   sync.Mutex
	refs map[string]int
	list atomic.Pointer[[]string]
}

func (ts *templateSet) init() {
	ts.refs = make(map[string]int)
	ts.list.Store(new([]string))
}

// ref counts one more stream with template t.
func (ts *templateSet) ref(t string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.refs[t]++
	if ts.refs[t] == 1 {
		ts.publish()
	}
}

// unref counts one stream fewer with template t.
func (ts *templateSet) unref(t string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.refs[t]--
	if ts.refs[t] <= 0 {
		delete(ts.refs, t)
		ts.publish()
	}
}

// publish replaces the list with the current templates. ts.mu is held.
func (ts *templateSet) publish() {
	list := make([]string, 0, len(ts.refs))
	for t := range ts.refs {
		list = append(list, t)
	}
	ts.list.Store(&list)
}

// matching returns the templates that match one of topics, each once.
func (ts *templateSet) matching(topics []string, match func(selector, topic string) bool) []string {
	list := *ts.list.Load()
	if len(list) == 0 || len(topics) == 0 {
		return nil
	}
	var matched []string
	for _, t := range list {
		for _, topic := range topics {
			if match(t, topic) {
				matched = append(matched, t)
				break
			}
		}
	}
	return matched
}

// count returns how many distinct templates there are.
func (ts *templateSet) count() int { return len(*ts.list.Load()) }
