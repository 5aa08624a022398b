package httpapi

import (
	"fmt"
	"net/http"

	"github.com/ssehub/ssehub"
)

// ping publishes "Hello <id>" to client id, as the original demo did, and
// answers 404 when that client has no open stream (on any node, with a
// cluster).
func (a *api) ping(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := ssehub.ValidateName("client id", id); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	n, err := a.hub.StreamCount(r.Context(), id)
	if n == 0 && err != nil {
		clusterError(w, err)
		return
	}
	if n == 0 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("client %q has no open connection", id))
		return
	}
	rec, err := a.hub.Publish(r.Context(), ssehub.Message{
		Clients: []string{id},
		Data:    []byte("Hello " + id),
	})
	if err != nil {
		publishError(w, err)
		return
	}
	if rec.Streams == 0 { // its streams are on other nodes, or it left meanwhile
		if rec.Streams, err = a.hub.StreamCount(r.Context(), id); rec.Streams == 0 && err == nil {
			writeError(w, http.StatusNotFound, fmt.Sprintf("client %q has no open connection", id))
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "sent event %s to %d connection(s) of %q\n", rec.ID, rec.Streams, id)
}
