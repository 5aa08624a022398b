package engine

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/ssehub/ssehub/selector"
)

// openAs returns a registered, replaying stream of id on a pooled sink:
// its queue shows what the fan-out reached.
func (te *testEngine) openAs(t *testing.T, id Identity) *Stream {
	t.Helper()
	s := te.NewStream(id, newPooledSink(), ProtocolMercure)
	if !te.Register(s) {
		t.Fatalf("Register(%s) refused a new stream", id.Client)
	}
	return s
}

// wantQueued fails unless s has n events queued.
func wantQueued(t *testing.T, s *Stream, n int) {
	t.Helper()
	if events, _ := s.Queued(); events != n {
		t.Fatalf("%s: %d events queued, want %d", s.id.Client, events, n)
	}
}

// A stream receives the events with a topic one of its templates
// matches, "*" every topic, and nothing else.
func TestTemplatesReachMatchingTopics(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	books := te.openAs(t, Identity{Client: "b", Templates: []string{"/books/{id}"}, TopicsOnly: true})
	all := te.openAs(t, Identity{Client: "a", Templates: []string{"*"}, TopicsOnly: true})
	to := func(topics ...string) *Targets { return &Targets{Topics: topics} }
	if n := te.Deliver(1, []byte("1"), to("/books/1"), nil); n != 2 {
		t.Fatalf("/books/1 reached %d streams, want 2", n)
	}
	if n := te.Deliver(2, []byte("2"), to("/authors/1"), nil); n != 1 {
		t.Fatalf("/authors/1 reached %d streams, want 1 (\"*\")", n)
	}
	if n := te.Deliver(3, []byte("3"), to("/books/1/reviews"), nil); n != 1 {
		t.Fatalf("/books/1/reviews reached %d streams, want 1 (\"*\")", n)
	}
	wantQueued(t, books, 1)
	wantQueued(t, all, 3)
	books.Close(CloseClientGone)
	all.Close(CloseClientGone)
	if n := te.reg.templates.count(); n != 0 {
		t.Fatalf("%d templates indexed once their streams closed, want 0", n)
	}
}

// A TopicsOnly stream (a Mercure subscription) gets no broadcast and
// nothing sent to its client id alone; a broadcast that also names a topic
// it has reaches it, once.
func TestTopicsOnlyStreams(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	m := te.openAs(t, Identity{Client: "c", Topics: []string{"t"}, TopicsOnly: true})
	plain := te.openAs(t, Identity{Client: "c", Topics: []string{"t"}})
	if n := te.Deliver(1, []byte("1"), &Targets{Broadcast: true}, nil); n != 1 {
		t.Fatalf("a broadcast reached %d streams, want 1", n)
	}
	if n := te.Deliver(2, []byte("2"), &Targets{Clients: []string{"c"}}, nil); n != 1 {
		t.Fatalf("an event to client c reached %d streams, want 1", n)
	}
	if n := te.Deliver(3, []byte("3"), &Targets{Broadcast: true, Topics: []string{"t"}}, nil); n != 2 {
		t.Fatalf("a broadcast to topic t reached %d streams, want 2", n)
	}
	if n := te.Deliver(0, []byte("e"), &Targets{Broadcast: true, Clients: []string{"c"}, Topics: []string{"t"}}, nil); n != 2 {
		t.Fatalf("an ephemeral broadcast to client c and topic t reached %d streams, want 2", n)
	}
	wantQueued(t, m, 2)
	wantQueued(t, plain, 4)
	m.Close(CloseClientGone)
	plain.Close(CloseClientGone)
}

// A stream reached through its exact topic and several templates takes
// each event once, with a sequence number or without.
func TestTemplatesDeliverOnce(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	s := te.openAs(t, Identity{Client: "c", Topics: []string{"/r/1"},
		Templates: []string{"/r/{id}", "{+any}", "*"}, TopicsOnly: true})
	both := &Targets{Topics: []string{"/r/1", "/r/2"}}
	if n := te.Deliver(1, []byte("1"), both, nil); n != 1 {
		t.Fatalf("event 1 reached %d streams, want 1", n)
	}
	if n := te.Deliver(0, []byte("e"), both, nil); n != 1 {
		t.Fatalf("an ephemeral event reached %d streams, want 1", n)
	}
	if n := te.Deliver(0, []byte("e"), &Targets{Topics: []string{"/r/2"}}, nil); n != 1 {
		t.Fatalf("an ephemeral event to one topic, three templates, reached %d streams, want 1", n)
	}
	wantQueued(t, s, 3)
	s.Close(CloseClientGone)
}

// A private event reaches only the streams with a Private selector that
// matches one of its topics, whatever key reached them.
func TestPrivateEvents(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	none := te.openAs(t, Identity{Client: "a", Templates: []string{"*"}, TopicsOnly: true})
	exact := te.openAs(t, Identity{Client: "b", Templates: []string{"/r/{id}"}, Private: []string{"/r/1"}, TopicsOnly: true})
	tmpl := te.openAs(t, Identity{Client: "c", Topics: []string{"/r/2"}, Private: []string{"/r/{id}"}})
	private := func(topics ...string) *Targets { return &Targets{Topics: topics, Private: true} }
	if n := te.Deliver(1, []byte("1"), private("/r/1"), nil); n != 1 { // exact: b
		t.Fatalf("a private event to /r/1 reached %d streams, want 1", n)
	}
	if n := te.Deliver(2, []byte("2"), private("/r/2", "/r/1"), nil); n != 2 { // b by /r/1, c
		t.Fatalf("a private event to /r/2 and /r/1 reached %d streams, want 2", n)
	}
	if n := te.Deliver(3, []byte("3"), &Targets{Clients: []string{"c"}, Topics: []string{"/x"}, Private: true}, nil); n != 0 {
		t.Fatalf("a private event to client c and /x reached %d streams, want 0: c may see /r/{id} only", n)
	}
	if n := te.Deliver(4, []byte("4"), &Targets{Broadcast: true, Topics: []string{"/r/9"}, Private: true}, nil); n != 1 {
		t.Fatalf("a private broadcast to /r/9 reached %d streams, want 1 (c)", n)
	}
	wantQueued(t, none, 0)
	wantQueued(t, exact, 2)
	wantQueued(t, tmpl, 2)
	for _, s := range []*Stream{none, exact, tmpl} {
		s.Close(CloseClientGone)
	}
}

// A fan-out matches each distinct template once per topic, however many
// streams share it: a thousand streams on ten templates cost ten matches
// per topic, not a thousand.
func TestTemplatesMatchedOncePerDistinctTemplate(t *testing.T) {
	te := newTestEngine(t, 1<<10)
	te.cfg.OnClosed = nil // more closes than its channel holds
	var calls atomic.Int64
	te.reg.match = func(sel, topic string) bool { calls.Add(1); return selector.Match(sel, topic) }
	var streams []*Stream
	for i := range 1000 {
		streams = append(streams, te.openAs(t, Identity{Client: fmt.Sprint("c", i),
			Templates: []string{fmt.Sprintf("/r%d/{id}", i%10)}, TopicsOnly: true}))
	}
	if n := te.reg.templates.count(); n != 10 {
		t.Fatalf("%d distinct templates, want 10", n)
	}
	if n := te.Deliver(1, []byte("1"), &Targets{Topics: []string{"/r3/x", "/r7/y"}}, nil); n != 200 {
		t.Fatalf("reached %d streams, want 200", n)
	}
	if c := calls.Load(); c > 20 {
		t.Fatalf("%d matches for 2 topics and 10 templates, want at most 20", c)
	}
	for _, s := range streams[:995] {
		s.Close(CloseClientGone)
	}
	if n := te.reg.templates.count(); n != 5 {
		t.Fatalf("%d distinct templates with 5 streams left on 5 of them, want 5", n)
	}
	for _, s := range streams[995:] {
		s.Close(CloseClientGone)
	}
}
