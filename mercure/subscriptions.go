package mercure

import "net/http"

// subscriptions serves the active subscriptions API (m4).
func (m *Handler) subscriptions(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not implemented yet", http.StatusNotImplemented)
}
