package client

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// MaxPage is the most clients one page of Clients holds.
const MaxPage = 1000

// ClientCount is one client id and how many streams it has open (on every
// node, in a cluster).
type ClientCount struct {
	ID          string `json:"id"`
	Connections int    `json:"connections"`
}

// ClientPage is one page of GET /clients.
type ClientPage struct {
	// Clients with an open stream, in id order.
	Clients []ClientCount `json:"clients"`
	// Connections counts the open streams of every client; Nodes, the hub
	// nodes counted (1 without a cluster).
	Connections int `json:"connections"`
	Nodes       int `json:"nodes"`
	// Next, when not empty, means more clients follow: ask for the page
	// after it.
	Next string `json:"next"`
}

// Clients returns up to limit (1 to MaxPage; 0 means MaxPage) of the
// clients with an open stream whose ids sort after `after` ("" for the
// first page). AllClients walks every page.
func (c *Client) Clients(ctx context.Context, limit int, after string) (ClientPage, error) {
	q := url.Values{}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if after != "" {
		q.Set("after", after)
	}
	var p ClientPage
	err := c.do(ctx, request{method: http.MethodGet, path: "/clients", query: q}, &p)
	return p, err
}

// AllClients iterates over every client with an open stream, in id order,
// a page at a time. An error ends the iteration, yielded with a zero
// ClientCount. Clients that come and go meanwhile may or may not be seen;
// none is seen twice.
func (c *Client) AllClients(ctx context.Context) iter.Seq2[ClientCount, error] {
	return func(yield func(ClientCount, error) bool) {
		after := ""
		for {
			p, err := c.Clients(ctx, MaxPage, after)
			if err != nil {
				yield(ClientCount{}, err)
				return
			}
			for _, cc := range p.Clients {
				if !yield(cc, nil) {
					return
				}
			}
			if p.Next == "" {
				return
			}
			after = p.Next
		}
	}
}

// Streams is one client's open streams (GET /clients/{id}).
type Streams struct {
	ID          string   `json:"id"`
	Connections int      `json:"connections"`
	Streams     []Stream `json:"streams"`
}

// Stream is one open stream of a client.
type Stream struct {
	Topics    []string  `json:"topics"`
	Connected time.Time `json:"connected"`
	// Expires is when its subscriber token expires (the stream ends then);
	// zero without tokens.
	Expires time.Time `json:"expires"`
}

// Client returns the open streams of the client id; a client with none is
// ErrNotFound.
func (c *Client) Client(ctx context.Context, id string) (Streams, error) {
	if id == "" {
		return Streams{}, errors.New("ssehub client: empty client id")
	}
	var s Streams
	err := c.do(ctx, request{method: http.MethodGet, path: "/clients/" + url.PathEscape(id)}, &s)
	return s, err
}

// Kick ends every stream of the client id, on every node (sign-out, ban),
// and returns how many ended on the node that answered. With subscriber
// tokens, the hub then refuses the client's tokens issued before the kick
// (see docs/SECURITY.md). It is retried like a publish: a kick sent
// twice also ends what opened between the two, a moment apart.
func (c *Client) Kick(ctx context.Context, id string) (ended int, err error) {
	if id == "" {
		return 0, errors.New("ssehub client: empty client id")
	}
	var out struct {
		Ended int `json:"ended"`
	}
	err = c.do(ctx, request{method: http.MethodDelete, path: "/clients/" + url.PathEscape(id)}, &out)
	return out.Ended, err
}
