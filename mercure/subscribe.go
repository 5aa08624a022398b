package mercure

import "net/http"

// subscribe serves GET Path: one subscriber's event stream.
func (m *Handler) subscribe(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not implemented yet", http.StatusNotImplemented)
}
