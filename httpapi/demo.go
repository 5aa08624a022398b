package httpapi

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The demo page's sources: plain HTML, CSS and JavaScript, no build step.
// Served as one document (the stylesheet and the script inlined), so that
// GET / is the page's only route besides the module its script imports,
// GET /ssehub.js.
//
//go:embed demo/index.html demo/demo.css demo/demo.js
var demoFiles embed.FS

// demoPage is the page at /: a live view of one client's stream
// (/?id=alice&topic=room-1) and a form that publishes.
type demoPage struct {
	body []byte
	csp  string // allows the inlined style and script by their digests (nothing else inline) and the hub's own ssehub.js
	etag string
}

// demo builds the page once, when a server first asks for it.
var demo = sync.OnceValue(func() *demoPage {
	p, err := buildDemoPage()
	if err != nil {
		panic("httpapi: the embedded demo page: " + err.Error()) // the embedded files are wrong: a build-time mistake
	}
	return p
})

// The tags of index.html that the inlined sources replace.
const (
	demoStyleTag  = `<link rel="stylesheet" href="demo.css">`
	demoScriptTag = `<script type="module" src="demo.js"></script>`
)

func buildDemoPage() (*demoPage, error) {
	read := func(name string) (string, error) {
		b, err := demoFiles.ReadFile("demo/" + name)
		return string(b), err
	}
	html, err := read("index.html")
	if err != nil {
		return nil, err
	}
	css, err := read("demo.css")
	if err != nil {
		return nil, err
	}
	js, err := read("demo.js")
	if err != nil {
		return nil, err
	}
	for _, c := range []struct{ name, text, end string }{{"demo.css", css, "</style"}, {"demo.js", js, "</script"}} {
		if strings.Contains(strings.ToLower(c.text), c.end) {
			return nil, fmt.Errorf("%s contains %q: it cannot be inlined", c.name, c.end)
		}
	}
	for _, tag := range []string{demoStyleTag, demoScriptTag} {
		if strings.Count(html, tag) != 1 {
			return nil, fmt.Errorf("index.html must contain %s once", tag)
		}
	}
	html = strings.Replace(html, demoStyleTag, "<style>"+css+"</style>", 1)
	html = strings.Replace(html, demoScriptTag, `<script type="module">`+js+"</script>", 1)
	digest := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	sum := sha256.Sum256([]byte(html))
	return &demoPage{
		body: []byte(html),
		// Same origin only: the page talks to the hub that served it. Its
		// inline module by its digest, and what that imports: ./ssehub.js,
		// next to the page (under the API's prefix, if any).
		csp: "default-src 'none'; script-src 'self' " + digest(js) + "; style-src " + digest(css) +
			"; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
	}, nil
}

func (p *demoPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", p.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer") // a token typed in never leaves in a Referer
	h.Set("Cache-Control", "no-cache")      // a new binary's page at once
	h.Set("ETag", p.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(p.body))
}
