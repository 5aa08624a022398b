package ssehub_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// A client cut off mid-stream gets exactly what it missed, in order, then
// live events: targeted, topic and broadcast mixed.
func TestResumeReplaysWhatWasMissed(t *testing.T) {
	forEachMode(t, ssehub.Config{}, func(t *testing.T, e *env) {
		s := e.open(t, "id=alice&topic=room")
		e.publish(t, ssehub.Message{Clients: []string{"alice"}, Data: []byte("seen")})
		seen := s.Next(t)
		s.Close()
		ssetest.Eventually(t, "hang-up noticed", func() bool { return localConns(e.hub, "alice") == 0 })

		e.publish(t, ssehub.Message{Clients: []string{"alice"}, Data: []byte("missed 1")})
		e.publish(t, ssehub.Message{Clients: []string{"bob"}, Data: []byte("not for alice")})
		e.publish(t, ssehub.Message{Topics: []string{"room"}, Data: []byte("missed 2")})
		e.publish(t, ssehub.Message{Topics: []string{"other"}, Data: []byte("not for alice")})
		e.publish(t, ssehub.Message{Broadcast: true, Data: []byte("missed 3")})

		again := e.open(t, "id=alice&topic=room", "Last-Event-ID: "+seen.ID)
		again.Expect(t, "missed 1", "missed 2", "missed 3")
		e.publish(t, ssehub.Message{Clients: []string{"alice"}, Data: []byte("live")})
		again.Expect(t, "live")
		again.ExpectNone(t, 50*time.Millisecond)

		// The query parameter does the same, for clients that cannot set headers.
		q := e.open(t, "id=alice&topic=room&lastEventId="+seen.ID)
		q.Expect(t, "missed 1", "missed 2", "missed 3", "live")
	})
}

func TestResumeFromTheNewestIDReplaysNothing(t *testing.T) {
	e := start(t, ssehub.Config{}, modes[0])
	var last ssehub.Receipt
	for i := range 5 {
		last = e.publish(t, ssehub.Message{Broadcast: true, Data: []byte(strconv.Itoa(i))})
	}
	s := e.open(t, "id=a", "Last-Event-ID: "+last.ID)
	s.ExpectNone(t, 100*time.Millisecond)
}

// A stream tells the client where it stands before any event, so a client
// that drops before the first event still resumes without loss.
func TestFreshStreamNamesItsPosition(t *testing.T) {
	forEachMode(t, ssehub.Config{}, func(t *testing.T, e *env) {
		before := e.publish(t, ssehub.Message{Broadcast: true, Data: []byte("before")})
		resp := e.request(t, "id=a")
		id := readIDLine(t, bufio.NewReader(resp.Body))
		resp.Body.Close()
		if id != before.ID {
			t.Fatalf("stream starts at id %q, want %q (the newest event)", id, before.ID)
		}
		e.publish(t, ssehub.Message{Broadcast: true, Data: []byte("while away")})
		s := e.open(t, "id=a", "Last-Event-ID: "+id)
		s.Expect(t, "while away")
	})
}

// readIDLine reads a stream's first lines up to its first "id:" line.
func readIDLine(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("no id line: %v", err)
		}
		if id, ok := strings.CutPrefix(line, "id: "); ok {
			return strings.TrimSuffix(id, "\n")
		}
	}
}

func TestResetWhenHistoryIsGone(t *testing.T) {
	log := ssehub.NewMemoryLog(ssehub.Retention{MaxEntries: 3})
	e := start(t, ssehub.Config{Log: log}, modes[0])
	first := e.publish(t, ssehub.Message{Broadcast: true, Data: []byte("0")})
	var last ssehub.Receipt
	for i := 1; i < 10; i++ {
		last = e.publish(t, ssehub.Message{Broadcast: true, Data: []byte(strconv.Itoa(i))})
	}
	next, _ := strconv.ParseUint(last.ID, 10, 64)
	for _, c := range []struct{ lastID, reason string }{
		{first.ID, "expired"},
		{strconv.FormatUint(next+100, 10), "unknown"}, // from the future: another log
		{"not-a-number", "unknown"},
	} {
		t.Run(c.reason+" "+c.lastID, func(t *testing.T) {
			s := e.open(t, "id=a", "Last-Event-ID: "+c.lastID)
			ev := s.Next(t)
			var data struct{ Reason, LastEventID string }
			if err := json.Unmarshal([]byte(ev.Data), &data); err != nil || ev.Type != "reset" {
				t.Fatalf("first event %+v, want a reset", ev)
			}
			if data.Reason != c.reason || ev.ID != last.ID {
				t.Errorf("reset %+v id %s, want reason %s and id %s", data, ev.ID, c.reason, last.ID)
			}
			live := e.publish(t, ssehub.Message{Broadcast: true, Data: []byte("live")})
			if ev := s.Next(t); ev.Data != "live" || ev.ID != live.ID {
				t.Errorf("after the reset got %+v, want the live event %s", ev, live.ID)
			}
			last = live
		})
	}
	// An id still retained resumes normally.
	next, _ = strconv.ParseUint(last.ID, 10, 64)
	retained := strconv.FormatUint(next-1, 10)
	s := e.open(t, "id=a", "Last-Event-ID: "+retained)
	if ev := s.Next(t); ev.Type != "message" || ev.ID != last.ID {
		t.Errorf("resume from %s: got %+v, want event %s", retained, ev, last.ID)
	}
}

// Publishers run flat out while clients drop and resume with Last-Event-ID:
// every client's events, across all its connections, are exactly the events
// published to it, in order, none twice.
func TestResumeHandOverRace(t *testing.T) {
	forEachMode(t, ssehub.Config{}, func(t *testing.T, e *env) {
		const clients, publishers, perPublisher = 4, 3, 300
		var mu sync.Mutex
		want := make(map[string][]uint64) // client → ids published to it
		origin := e.publish(t, ssehub.Message{Clients: []string{"nobody"}})
		begin := make(chan struct{})
		var wg sync.WaitGroup
		for p := range publishers {
			wg.Go(func() {
				<-begin
				for i := range perPublisher {
					m := ssehub.Message{Broadcast: i%5 == 0, Data: []byte(fmt.Sprint(p, i))}
					if !m.Broadcast {
						m.Clients = []string{fmt.Sprintf("c%d", (p+i)%clients)}
					}
					// The id is assigned under the log's lock, but recorded here
					// after: sort at the end.
					r, err := e.hub.Publish(context.Background(), m)
					if err != nil {
						t.Error(err)
						return
					}
					id, _ := strconv.ParseUint(r.ID, 10, 64)
					mu.Lock()
					for c := range clients {
						name := fmt.Sprintf("c%d", c)
						if m.Broadcast || m.Clients[0] == name {
							want[name] = append(want[name], id)
						}
					}
					mu.Unlock()
				}
			})
		}
		got := make([][]uint64, clients)
		var readers sync.WaitGroup
		done := make(chan struct{})
		for c := range clients {
			readers.Go(func() { got[c] = readWithReconnects(t, e, fmt.Sprintf("c%d", c), origin.ID, done) })
		}
		close(begin)
		wg.Wait()
		close(done)
		readers.Wait()
		for c := range clients {
			name := fmt.Sprintf("c%d", c)
			w := sortedCopy(want[name])
			if fmt.Sprint(got[c]) != fmt.Sprint(w) {
				t.Errorf("%s: received %d ids, want %d; first difference at %d", name, len(got[c]), len(w), firstDiff(got[c], w))
			}
		}
	})
}

// readWithReconnects reads client's events after id last over many short
// connections, each resuming from the last id seen, until done is closed and the stream
// has caught up with the hub.
func readWithReconnects(t *testing.T, e *env, client, last string, done <-chan struct{}) []uint64 {
	var ids []uint64
	for round := 0; ; round++ {
		s := e.open(t, "id="+client, "Last-Event-ID: "+last)
		finished := false
		for n := 0; n < 7+round%13; n++ {
			var ev, ok = nextOrQuiet(s, done)
			if !ok {
				finished = true
				break
			}
			id, err := strconv.ParseUint(ev.ID, 10, 64)
			if err != nil || ev.Type != "message" {
				t.Errorf("%s: unexpected event %+v", client, ev)
			}
			ids = append(ids, id)
			last = ev.ID
		}
		s.Close()
		if finished {
			return ids
		}
	}
}

// nextOrQuiet returns the next event; after done, it gives up once the
// stream has been quiet for a while (caught up).
func nextOrQuiet(s *ssetest.Stream, done <-chan struct{}) (ev struct{ ID, Type, Data string }, ok bool) {
	for {
		select {
		case e, open := <-s.Events:
			return struct{ ID, Type, Data string }{e.ID, e.Type, e.Data}, open
		case <-done:
			select {
			case e, open := <-s.Events:
				return struct{ ID, Type, Data string }{e.ID, e.Type, e.Data}, open
			case <-time.After(300 * time.Millisecond):
				return ev, false
			}
		}
	}
}

func sortedCopy(ids []uint64) []uint64 {
	s := append([]uint64(nil), ids...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

func firstDiff(a, b []uint64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
