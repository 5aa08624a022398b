package ssehub

import (
	"cmp"
	"container/heap"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/ssehub/ssehub/internal/engine"
)

// ClientStreams is one client id and how many streams it has open.
type ClientStreams struct {
	ID      string `json:"id"`
	Streams int    `json:"connections"`
}

// ClientPage returns, in id order, up to limit of the clients with an open
// stream whose ids sort after `after` ("" for the first page), and whether
// more follow. With a Cluster, streams on every live node count, summed per
// client; err reports that the other nodes could not be asked (the page then
// holds this node's clients only). Locally it costs a pass over the clients
// of every shard, keeping the limit+1 smallest ids on a heap: a few
// milliseconds at 100,000 clients.
func (h *Hub) ClientPage(ctx context.Context, after string, limit int) (page []ClientStreams, more bool, err error) {
	top := smallestIDs{max: limit + 1}
	h.engine.EachClient(func(id string, streams int) {
		if id > after {
			top.offer(id, streams)
		}
	})
	page = top.items
	if h.cfg.Cluster != nil {
		var others []ClientStreams
		others, _, err = h.cfg.Cluster.ClientPage(ctx, after, limit)
		page = mergeCounts(page, others)
	}
	slices.SortFunc(page, func(a, b ClientStreams) int { return cmp.Compare(a.ID, b.ID) })
	if len(page) > limit {
		return page[:limit], true, err
	}
	return page, false, err
}

// mergeCounts adds to a the clients of b, summing the streams of those in
// both. Both hold the limit+1 smallest ids of their nodes, so the limit+1
// smallest of the union are among them.
func mergeCounts(a, b []ClientStreams) []ClientStreams {
	at := make(map[string]int, len(a))
	for i, c := range a {
		at[c.ID] = i
	}
	for _, c := range b {
		if i, ok := at[c.ID]; ok {
			a[i].Streams += c.Streams
		} else {
			a = append(a, c)
		}
	}
	return a
}

// smallestIDs keeps the max clients with the smallest ids offered to it, as
// a max-heap on the id.
type smallestIDs struct {
	max   int
	items []ClientStreams
}

func (s *smallestIDs) offer(id string, conns int) {
	if len(s.items) < s.max {
		heap.Push(s, ClientStreams{ID: id, Streams: conns})
		return
	}
	if id < s.items[0].ID {
		s.items[0] = ClientStreams{ID: id, Streams: conns}
		heap.Fix(s, 0)
	}
}

func (s *smallestIDs) Len() int           { return len(s.items) }
func (s *smallestIDs) Less(i, j int) bool { return s.items[i].ID > s.items[j].ID }
func (s *smallestIDs) Swap(i, j int)      { s.items[i], s.items[j] = s.items[j], s.items[i] }
func (s *smallestIDs) Push(x any)         { s.items = append(s.items, x.(ClientStreams)) }
func (s *smallestIDs) Pop() any           { panic("smallestIDs never pops") }

// StreamInfo describes one open stream.
type StreamInfo struct {
	Topics    []string  `json:"topics"`
	Connected time.Time `json:"connected"`
	Expires   time.Time `json:"expires,omitzero"`
	// Selectors and Payload are the stream's Subscription.Selectors and
	// Payload: a Mercure stream's, which the subscriptions API lists.
	Selectors []string        `json:"selectors,omitempty"`
	Payload   json.RawMessage `json:"payload,omitempty"`
}

// Streams returns the open streams of client, oldest first; with a
// Cluster, those of every live node (err: the other nodes could not be
// asked, and only this node's streams are returned).
func (h *Hub) Streams(ctx context.Context, client string) ([]StreamInfo, error) {
	infos := h.localStreams(client)
	if h.cfg.Cluster == nil {
		return infos, nil
	}
	others, err := h.cfg.Cluster.Streams(ctx, client)
	infos = append(infos, others...)
	slices.SortStableFunc(infos, func(a, b StreamInfo) int { return a.Connected.Compare(b.Connected) })
	return infos, err
}

// localStreams returns the open streams of client on this node, oldest first.
func (h *Hub) localStreams(client string) []StreamInfo {
	streams := h.engine.StreamsOf(client)
	slices.SortFunc(streams, func(a, b *engine.Stream) int { return cmp.Compare(a.Born(), b.Born()) })
	infos := make([]StreamInfo, len(streams))
	for i, s := range streams {
		id := s.Identity()
		infos[i] = StreamInfo{Topics: slices.Clone(id.Topics), Connected: time.Unix(0, s.Born()), Expires: id.Expires}
		if infos[i].Topics == nil {
			infos[i].Topics = []string{}
		}
		if a := attachedTo(s); a != nil {
			infos[i].Selectors, infos[i].Payload = slices.Clone(a.selectors), a.payload
		}
	}
	return infos
}

// StreamCount returns how many streams client has open; with a Cluster, on
// every live node (err: the other nodes could not be asked, and only this
// node's streams are counted).
func (h *Hub) StreamCount(ctx context.Context, client string) (int, error) {
	n := h.engine.RegisteredOf(client)
	if h.cfg.Cluster == nil {
		return n, nil
	}
	others, _, err := h.cfg.Cluster.Elsewhere(ctx, client)
	return n + others, err
}

// Total returns how many streams are open, and on how many nodes: this one,
// or with a Cluster every live node (err: the other nodes could not be
// asked, and only this node is counted).
func (h *Hub) Total(ctx context.Context) (streams, nodes int, err error) {
	streams, nodes = h.engine.Registered(), 1
	if h.cfg.Cluster != nil {
		var s, n int
		s, n, err = h.cfg.Cluster.Total(ctx)
		streams, nodes = streams+s, nodes+n
	}
	return streams, nodes, err
}
