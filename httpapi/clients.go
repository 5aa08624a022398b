package httpapi

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/ssehub/ssehub"
)

// MaxClientPage is the most clients GET /clients lists per page.
const MaxClientPage = 1000

type clientList struct {
	Clients     []ssehub.ClientStreams `json:"clients"`
	Connections int                    `json:"connections"`    // open streams, of every client
	Nodes       int                    `json:"nodes"`          // hub nodes counted (1 without a cluster)
	Next        string                 `json:"next,omitempty"` // after=<next> asks for the next page
}

// clients answers GET /clients[?after=<id>][&limit=<n>]: the clients with
// an open stream, in id order, a page at a time.
func (a *api) clients(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := MaxClientPage
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxClientPage {
			writeError(w, http.StatusBadRequest, "limit must be a number from 1 to "+strconv.Itoa(MaxClientPage))
			return
		}
		limit = n
	}
	page, more, err := a.hub.ClientPage(r.Context(), q.Get("after"), limit)
	if err != nil {
		clusterError(w, err)
		return
	}
	total, nodes, err := a.hub.Total(r.Context())
	if err != nil {
		clusterError(w, err)
		return
	}
	out := clientList{Clients: page, Connections: total, Nodes: nodes}
	if out.Clients == nil {
		out.Clients = []ssehub.ClientStreams{}
	}
	if more {
		out.Next = page[len(page)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

type clientStreams struct {
	ID          string              `json:"id"`
	Connections int                 `json:"connections"`
	Streams     []ssehub.StreamInfo `json:"streams,omitempty"`
	Ended       *int                `json:"ended,omitempty"`
}

// client answers GET /clients/{id} (its streams, or 404) and DELETE
// /clients/{id} (end them all: see ssehub.Hub.Kick).
func (a *api) client(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := ssehub.ValidateName("client id", id); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if r.Method == http.MethodDelete {
		n, err := a.hub.Kick(r.Context(), id)
		if err != nil {
			clusterError(w, fmt.Errorf("%d streams ended on this node, but the kick may not have reached the others (%w): send it again", n, err))
			return
		}
		writeJSON(w, http.StatusOK, clientStreams{ID: id, Ended: &n})
		return
	}
	streams, err := a.hub.Streams(r.Context(), id)
	if err != nil {
		clusterError(w, err)
		return
	}
	if len(streams) == 0 {
		writeError(w, http.StatusNotFound, "client "+strconv.Quote(id)+" has no open stream")
		return
	}
	writeJSON(w, http.StatusOK, clientStreams{ID: id, Connections: len(streams), Streams: streams})
}

// clusterError answers a presence request whose other nodes could not be
// asked: 503, to be tried again.
func clusterError(w http.ResponseWriter, err error) {
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusServiceUnavailable, "the other hub nodes could not be asked: "+err.Error())
}
