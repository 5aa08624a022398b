package mercure

import "net/http"

// publish serves POST Path: one update.
func (m *Handler) publish(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not implemented yet", http.StatusNotImplemented)
}
