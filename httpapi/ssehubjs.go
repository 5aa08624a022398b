package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/ssehub/ssehub/js"
)

// sharedModule is GET /ssehub.js: the browser module whose
// SharedEventSource shares one stream among all the tabs of a browser
// (package js). Pages on any origin may import it.
type sharedModule struct {
	body []byte
	etag string
}

var ssehubJS = sync.OnceValue(func() *sharedModule {
	sum := sha256.Sum256(js.Module)
	return &sharedModule{body: js.Module, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
})

// ServeHTTP serves the module with "Cache-Control: no-cache" and an ETag:
// its URL carries no version, and the tabs of a browser must all run the
// module of the binary they talk to (they speak to each other over a
// BroadcastChannel), so a browser revalidates on every load and gets a 304
// until the hub is upgraded.
func (m *sharedModule) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Access-Control-Allow-Origin", "*")             // import()ed by pages on any origin
	h.Set("Cross-Origin-Resource-Policy", "cross-origin") // pages with COEP too
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", m.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(m.body))
}
