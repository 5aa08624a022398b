package client

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults of the zero Options.
const (
	DefaultMaxAttempts = 5
	DefaultMaxWait     = 30 * time.Second
	DefaultTimeout     = 15 * time.Second // of each attempt, with the default HTTP client
	DefaultUserAgent   = "ssehub-client"
)

// Options configure a Client. The zero value is usable: no publish key,
// DefaultMaxAttempts attempts within DefaultMaxWait.
type Options struct {
	// PublishKey, when the hub has publish keys (-publish-key), is sent
	// with every request as "Authorization: Bearer <key>". It is never put
	// in an error.
	PublishKey string

	// HTTPClient sends the requests; nil means a client of its own with a
	// DefaultTimeout per attempt. Give one for TLS settings, a proxy, or
	// another timeout (its Timeout bounds each attempt; the context bounds
	// the whole call).
	HTTPClient *http.Client

	// MaxAttempts bounds the attempts of one call, the first included: 1
	// never retries; zero means DefaultMaxAttempts.
	MaxAttempts int

	// MaxWait bounds the time one call spends, its attempts and the waits
	// between them: a retry that could not start before it is not made,
	// and a Retry-After longer than what is left ends the call at once
	// with that error. Zero means DefaultMaxWait. The context may end the
	// call sooner.
	MaxWait time.Duration

	// UserAgent is sent as User-Agent; empty means DefaultUserAgent.
	UserAgent string
}

// Client talks to one hub (or to a load balancer in front of several
// nodes). It is safe for concurrent use.
type Client struct {
	base *url.URL
	opts Options
}

// New returns a client of the hub at baseURL: its scheme, host and the
// path its API is mounted under ("http://localhost:3020", or
// "https://app.example.com/hub" for a hub embedded under /hub).
func New(baseURL string, opts Options) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("ssehub client: base URL %q: %v", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("ssehub client: base URL %q: want http:// or https:// and a host", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("ssehub client: the base URL may not have a query or a fragment")
	}
	if opts.MaxAttempts < 0 || opts.MaxWait < 0 {
		return nil, errors.New("ssehub client: MaxAttempts and MaxWait may not be negative")
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: DefaultTimeout}
	}
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.MaxWait == 0 {
		opts.MaxWait = DefaultMaxWait
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return &Client{base: u, opts: opts}, nil
}

// endpoint returns the URL of path (escaped already) under the base, with
// query.
func (c *Client) endpoint(path string, query url.Values) string {
	u := *c.base
	u.RawPath = u.EscapedPath() + path
	p, _ := url.PathUnescape(u.RawPath)
	u.Path = p
	u.RawQuery = query.Encode()
	return u.String()
}
