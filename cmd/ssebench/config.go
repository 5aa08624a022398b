package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/ssehub/ssehub/internal/loadconn"
	"github.com/ssehub/ssehub/internal/loadresult"
)

// Targets: which publish API the hub speaks.
const (
	targetSSEHub    = loadresult.TargetSSEHub
	targetYardstick = loadresult.TargetYardstick
)

// Config is one run of the tool. Zero values take the defaults of normalize.
type Config struct {
	URL      string // base URL of the hub, e.g. http://127.0.0.1:3020, or of each node, comma-separated; "": defaultURL
	Target   string // targetSSEHub or targetYardstick
	Scenario string // idle, fanout, latency, targeted, churn, storm

	Conns           int    // streams to open
	Sources         int    // source addresses 127.0.0.F..127.0.0.F+K-1; 0: ceil(Conns/20000)
	SourceFirst     int    // F, the last byte of the first source address; 0: 1
	IDPrefix        string // start of every client id: c<i> becomes <IDPrefix>c<i>
	DialConcurrency int    // dials in flight at most
	BufSize         int    // read buffer bytes per stream (HTTP layer plus SSE parser)

	Events      int           // fanout: broadcasts to publish
	Publishers  int           // concurrent publishing requests
	Rate        float64       // events per second (latency, targeted, churn, storm)
	Duration    time.Duration // publishing time (latency, targeted, churn, storm); idle: hold time
	Clients     int           // distinct client ids; connection i uses c<i mod Clients>
	Churn       float64       // fraction of the streams closed and reopened per second
	To          string        // events to everyone (toBroadcast) or each to one client (toTargeted); "": the scenario's
	StormEvery  time.Duration // storm: period of the cuts of every open stream; 0: 5s
	StormJitter time.Duration // delay of a reconnect after the tool's cut, uniform in [0, StormJitter); 0: at once
	Size        int           // bytes of event data
	NetHTTP     bool          // publish with net/http's client instead of the raw one
	Batch       int           // events per publish request (ssehub only above 1); 0: 1
	PublishKey  string        // sent as Authorization: Bearer, for a hub started with -publish-key
	Mercure     bool          // streams subscribe Mercure's way, with URI templates (mercure.go)

	Proto            string // protoH1 or protoH2: the streams' HTTP version; "": protoH1
	H2StreamsPerConn int    // protoH2: streams sharing one connection; 0: 100
	Insecure         bool   // https: accept any certificate (a self-signed test one)
	CAFile           string // https: PEM file of the certificates that sign the hub's; "": the system's

	Settle  time.Duration // wait after all streams are open, before measuring memory
	Drain   time.Duration // wait for outstanding deliveries after the last publish
	Timeout time.Duration // bound of the whole run
	PIDs    []int         // server processes (the nodes) whose VmRSS and CPU are read and summed; none: not measured

	Listen    bool   // fanout: open the streams and receive what another ssebench process publishes
	ReadyFile string // written once the streams are open and settled; "": none
	Mergeable bool   // keep the histograms and per-event times in the Result, for -merge

	Seed uint64    // picks targeted clients and churned streams
	Log  io.Writer // progress lines; nil: none
}

var scenarioNames = []string{"idle", "fanout", "latency", "targeted", "churn", "storm"}

// defaultURL is the hub's own default address (ssehub -addr :3020), so that
// the tool finds a hub started without flags.
const defaultURL = "http://127.0.0.1:3020"

// Where events go (-to).
const (
	toBroadcast = "broadcast" // every event to every stream
	toTargeted  = "targeted"  // each event to one pseudo-random client id
)

// checksDeliveries tells the scenarios whose streams are all open before
// the first event and checked stream by stream at the end (checks.go).
func (c *Config) checksDeliveries() bool { return c.Scenario == "churn" || c.Scenario == "storm" }

// maxBatch is the most events ssehub accepts in one batch publish.
const maxBatch = 1000

// usageError is a configuration the tool refuses before doing anything; the
// command exits with status 2 on it.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// maxConnsPerSource is how many streams one source address is given by default.
const maxConnsPerSource = 20000

// normalize fills in defaults and checks the configuration.
func (c *Config) normalize() error {
	if c.Target == "" {
		c.Target = targetSSEHub
	}
	if c.Target != targetSSEHub && c.Target != targetYardstick {
		return fmt.Errorf("-target %q: want ssehub or yardstick", c.Target)
	}
	known := false
	for _, s := range scenarioNames {
		known = known || s == c.Scenario
	}
	if !known {
		return fmt.Errorf("-scenario %q: want one of %s", c.Scenario, strings.Join(scenarioNames, ", "))
	}
	c.URL = cmp.Or(c.URL, defaultURL)
	ts, err := parseTargets(c.URL)
	if err != nil {
		return err
	}
	if err := c.normalizeProto(ts[0].TLS); err != nil {
		return err
	}
	if c.Conns <= 0 {
		return errors.New("-conns must be positive")
	}
	if err := c.normalizeSources(); err != nil {
		return err
	}
	if c.Listen && c.Scenario != "fanout" {
		return usageError{fmt.Sprintf("-listen: only the fanout scenario receives another process's broadcasts, not %s", c.Scenario)}
	}
	if err := c.normalizeLoad(); err != nil {
		return err
	}
	if err := c.normalizeTo(); err != nil {
		return err
	}
	if err := c.normalizeStorm(); err != nil {
		return err
	}
	if err := c.normalizeMercure(); err != nil {
		return err
	}
	if c.Settle < 0 {
		c.Settle = 0
	}
	if c.Drain <= 0 {
		c.Drain = 30 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Minute
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if n := c.plannedEvents(); n > 1<<26 {
		return fmt.Errorf("%d events planned: at most %d", n, 1<<26)
	}
	return nil
}

// Protocols of the streams (-proto).
const (
	protoH1 = loadresult.ProtoH1 // HTTP/1.1 on a connection of its own, over TLS for https://
	protoH2 = loadresult.ProtoH2 // HTTP/2, over TLS with ALPN for https://, cleartext (h2c) for http://
)

// defaultH2StreamsPerConn is how many streams share an HTTP/2 connection
// by default: a browser opens one connection per origin, and Go's server
// allows 250 streams on one at a time.
const defaultH2StreamsPerConn = 100

// normalizeProto checks -proto, -h2-streams-per-conn and the TLS flags,
// which only mean something for https:// URLs.
func (c *Config) normalizeProto(https bool) error {
	c.Proto = cmp.Or(c.Proto, protoH1)
	if c.Proto != protoH1 && c.Proto != protoH2 {
		return usageError{fmt.Sprintf("-proto %q: want %s or %s", c.Proto, protoH1, protoH2)}
	}
	if c.H2StreamsPerConn < 0 {
		return usageError{"-h2-streams-per-conn must be positive"}
	}
	if c.H2StreamsPerConn == 0 {
		c.H2StreamsPerConn = defaultH2StreamsPerConn
	}
	switch {
	case !https && (c.Insecure || c.CAFile != ""):
		return usageError{"-insecure and -ca apply to https:// URLs only"}
	case c.Insecure && c.CAFile != "":
		return usageError{"-insecure and -ca: give one (-ca checks the certificate, -insecure does not)"}
	}
	return nil
}

// normalizeSources fills in and checks -sources and -source-first: the
// source addresses must stay within 127.0.0.1 .. 127.0.0.250.
func (c *Config) normalizeSources() error {
	if c.Sources <= 0 {
		c.Sources = (c.Conns + maxConnsPerSource - 1) / maxConnsPerSource
	}
	if c.SourceFirst <= 0 {
		c.SourceFirst = 1
	}
	if last := c.SourceFirst + c.Sources - 1; last > 250 {
		return fmt.Errorf("-sources %d from 127.0.0.%d: the last would be 127.0.0.%d, at most 127.0.0.250", c.Sources, c.SourceFirst, last)
	}
	return nil
}

// normalizeTo checks -to: churn and storm publish either kind of event, the
// other scenarios their own.
func (c *Config) normalizeTo() error {
	fixed := map[string]string{"idle": toBroadcast, "fanout": toBroadcast, "latency": toBroadcast, "targeted": toTargeted}[c.Scenario]
	switch {
	case c.To == "":
		c.To = cmp.Or(fixed, toBroadcast)
	case c.To != toBroadcast && c.To != toTargeted:
		return usageError{fmt.Sprintf("-to %q: want %s or %s", c.To, toBroadcast, toTargeted)}
	case fixed != "" && c.To != fixed:
		return usageError{fmt.Sprintf("-to %s: the %s scenario publishes %s events; -to chooses for churn and storm", c.To, c.Scenario, fixed)}
	}
	return nil
}

// normalizeStorm checks the storm flags. The yardstick cannot resume a
// stream, so a storm against it would only measure that.
func (c *Config) normalizeStorm() error {
	if c.Scenario == "storm" && c.Target != targetSSEHub {
		return usageError{fmt.Sprintf("-scenario storm: only -target ssehub resumes a stream after Last-Event-ID; the %s target cannot", c.Target)}
	}
	if c.StormEvery <= 0 {
		c.StormEvery = 5 * time.Second
	}
	if c.StormJitter < 0 {
		c.StormJitter = 0
	}
	return nil
}

// plannedEvents is how many events the scenario publishes.
func (c *Config) plannedEvents() int {
	switch c.Scenario {
	case "idle":
		return 0
	case "fanout":
		return c.Events
	}
	return int(math.Ceil(c.Rate * c.Duration.Seconds()))
}

// parseTarget accepts only http and https URLs whose host is a loopback
// address (127.0.0.0/8, ::1) or "localhost".
func parseTarget(raw string) (loadconn.Node, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return loadconn.Node{}, fmt.Errorf("-url: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return loadconn.Node{}, fmt.Errorf("-url %q: only http:// and https:// are supported", raw)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	var ip net.IP
	if strings.EqualFold(host, "localhost") {
		ip = net.IPv4(127, 0, 0, 1)
	} else if ip = net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return loadconn.Node{}, fmt.Errorf("-url %q: the host must be a loopback address (127.0.0.0/8, ::1, localhost)", raw)
	}
	return loadconn.Node{
		Base: u.Scheme + "://" + u.Host,
		Host: u.Host,
		Name: host,
		Addr: net.JoinHostPort(ip.String(), port),
		IP:   ip,
		TLS:  u.Scheme == "https",
	}, nil
}

// normalizeLoad fills in the defaults of the load's sizes and rates and
// checks -batch and -churn.
func (c *Config) normalizeLoad() error {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.DialConcurrency, 128)
	def(&c.BufSize, 2048)
	def(&c.Events, 200)
	def(&c.Publishers, 4)
	def(&c.Clients, c.Conns)
	def(&c.Size, 64)
	def(&c.Batch, 1)
	if c.Batch > 1 && c.Target != targetSSEHub {
		return usageError{fmt.Sprintf("-batch %d: only -target ssehub has a batch publish API; the %s target takes one event per request (-batch 1)", c.Batch, c.Target)}
	}
	if c.Batch > maxBatch {
		return usageError{fmt.Sprintf("-batch %d: ssehub takes at most %d events per request", c.Batch, maxBatch)}
	}
	if c.BufSize < 512 {
		c.BufSize = 512
	}
	if c.Rate <= 0 {
		c.Rate = 2
		if c.Scenario == "targeted" {
			c.Rate = 10000
		}
	}
	if c.Duration <= 0 && c.Scenario != "idle" {
		c.Duration = 20 * time.Second
	}
	if c.Churn <= 0 {
		c.Churn = 0.1
	}
	if c.Churn > 10 {
		return errors.New("-churn: at most 10 (every stream ten times a second)")
	}
	return nil
}
