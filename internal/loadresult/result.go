package loadresult

import "fmt"

// The publish APIs a run drives (Setup.Target) and the streams' protocols
// (Setup.Proto).
const (
	TargetSSEHub    = "ssehub"
	TargetYardstick = "yardstick"
	ProtoH1         = "h1"
	ProtoH2         = "h2"
)

// Result holds the figures of one run; the table and the JSON report show
// the same fields. Optional figures are pointers, nil when not measured.
// The parts are embedded so that the JSON stays one flat object.
type Result struct {
	Setup
	Connect
	Server
	Publish
	Delivery
	Integrity

	TimedOut bool     `json:"timed_out"`
	Notes    []string `json:"notes,omitempty"`

	Raw *RawFigures `json:"raw,omitempty"` // -mergeable: what -merge combines
}

// Setup says what ran: the scenario, against what, with how many streams.
type Setup struct {
	Scenario   string `json:"scenario"`
	Target     string `json:"target"`
	URL        string `json:"url"`
	Nodes      int    `json:"nodes,omitempty"` // base URLs in -url, when more than one
	Conns      int    `json:"conns"`
	Sources    int    `json:"sources"`
	FirstSrc   int    `json:"first_source,omitempty"` // last byte of the first source address, when not 1
	Clients    int    `json:"clients"`
	IDPrefix   string `json:"id_prefix,omitempty"`
	Listen     bool   `json:"listen,omitempty"`    // received another process's broadcasts, published none
	Processes  int    `json:"processes,omitempty"` // -merge: the results merged
	To         string `json:"events_to"`           // broadcast or targeted
	BufSize    int    `json:"buf_size"`
	GOMAXPROCS int    `json:"gomaxprocs"`

	Proto          string `json:"proto,omitempty"`               // the streams' protocol, h1 or h2 ("" in results of older versions: h1)
	TLS            bool   `json:"tls,omitempty"`                 // https://
	StreamsPerConn int    `json:"h2_streams_per_conn,omitempty"` // h2: streams sharing a connection
}

// Connect is how the streams opened, what they cost the tool, and how
// often they ended and reopened.
type Connect struct {
	H2Conns           int64          `json:"h2_connections,omitempty"` // h2: connections the streams' transports dialed
	Connected         int            `json:"connected"`
	ConnectErrors     map[string]int `json:"connect_errors,omitempty"`
	ConnectSeconds    float64        `json:"connect_seconds"`
	ConnsPerSecond    float64        `json:"conns_per_second"`
	GoroutinesPerConn float64        `json:"tool_goroutines_per_conn"`

	ToolRSSBeforeKiB    int64   `json:"tool_rss_before_kib"`
	ToolRSSAfterKiB     int64   `json:"tool_rss_after_kib"`
	ToolKiBPerConn      float64 `json:"tool_kib_per_conn"`
	ToolStackKiBPerConn float64 `json:"tool_stack_kib_per_conn"`
	ToolHeapKiBPerConn  float64 `json:"tool_heap_kib_per_conn"`

	Drops      int            `json:"streams_ended_by_server"`
	Reopens    int            `json:"streams_reopened"`
	ReopensCut int            `json:"churn_reopens_cut_by_stop"`
	ReopenErrs map[string]int `json:"reopen_errors,omitempty"`
}

// Server is the server's memory and CPU, summed over its processes.
type Server struct {
	ServerRSSBeforeKiB int64        `json:"server_rss_before_kib,omitempty"`
	ServerRSSAfterKiB  int64        `json:"server_rss_after_kib,omitempty"`
	ServerKiBPerConn   *float64     `json:"server_kib_per_conn,omitempty"`
	ServerNodes        []ServerNode `json:"server_nodes,omitempty"` // per -pid, when more than one (the sums are above)
	ServerCPUSeconds   *float64     `json:"server_cpu_seconds,omitempty"`
}

// ServerNode is one server process's memory and CPU; the Result's server
// figures are their sums.
type ServerNode struct {
	PID          int      `json:"pid"`
	RSSBeforeKiB int64    `json:"rss_before_kib"`
	RSSAfterKiB  int64    `json:"rss_after_kib"`
	CPUSeconds   *float64 `json:"cpu_seconds,omitempty"`
}

// Publish is what publishing did: events and requests, and how far they
// fell behind their schedule.
type Publish struct {
	Planned           int            `json:"events_planned"`
	Published         int            `json:"events_published"`
	PublishErrors     int            `json:"publish_errors"`
	PublishErrorKinds map[string]int `json:"publish_error_kinds,omitempty"`
	Unsent            int            `json:"events_unsent"`
	PublishSeconds    float64        `json:"publish_seconds"`
	PublishRate       float64        `json:"publish_rate"`
	Batch             int            `json:"batch"`
	Requests          int            `json:"requests"`
	RequestErrors     int            `json:"request_errors"`
	RequestRate       float64        `json:"requests_per_second"`
	MaxPublishLagMs   float64        `json:"max_publish_lag_ms"`
	LatePublishes     int            `json:"late_publishes"`
	Publishers        int            `json:"publishers"`
}

// Delivery is what the streams received, how fast, and what it cost the
// tool.
type Delivery struct {
	Expected            uint64  `json:"deliveries_expected"`
	Received            uint64  `json:"deliveries_received"`
	ServerReported      uint64  `json:"deliveries_reported_by_server"`
	Loss                int64   `json:"loss"`
	LossPercent         float64 `json:"loss_percent"`
	Drained             bool    `json:"drained"`
	DeliverySeconds     float64 `json:"delivery_seconds"`
	DeliveriesPerSecond float64 `json:"deliveries_per_second"`

	Latency      *Latency `json:"latency,omitempty"`
	LatencyFirst *Latency `json:"latency_first_quarter,omitempty"`
	LatencyLast  *Latency `json:"latency_last_quarter,omitempty"`
	LatencyGrew  *bool    `json:"latency_grew,omitempty"`

	// With several nodes: deliveries by the node the event was published
	// on, and by the others (the cross-node latency).
	LatencySameNode  *Latency `json:"latency_same_node,omitempty"`
	LatencyOtherNode *Latency `json:"latency_other_node,omitempty"`

	Completion *Completion `json:"broadcast_completion,omitempty"` // fanout: per broadcast, publish to last delivery

	OtherEvents uint64 `json:"other_events"`
	ResetEvents uint64 `json:"reset_events"`

	PhaseSeconds    float64 `json:"phase_seconds"`
	ToolCPUSeconds  float64 `json:"tool_cpu_seconds"`
	ToolCPUPerEvent float64 `json:"tool_cpu_us_per_delivery,omitempty"`
}

// Latency is a publish-to-receive latency distribution, in milliseconds.
type Latency struct {
	Count  uint64  `json:"count"`
	P50Ms  float64 `json:"p50_ms"`
	P99Ms  float64 `json:"p99_ms"`
	P999Ms float64 `json:"p999_ms"`
	MaxMs  float64 `json:"max_ms"`
}

// Integrity is what the churn and storm scenarios found, stream by stream.
type Integrity struct {
	Churn  *ChurnResult  `json:"churn,omitempty"`
	Storm  *StormResult  `json:"storm,omitempty"`
	Checks *StreamChecks `json:"stream_checks,omitempty"`
}

// ChurnResult splits the churn scenario's deliveries between streams that
// were never closed and streams that were closed and reopened.
type ChurnResult struct {
	Closes          int    `json:"closes"`
	StableConns     int    `json:"stable_conns"`
	StableExpected  uint64 `json:"stable_expected"`
	StableLoss      uint64 `json:"stable_loss"`
	ChurnedConns    int    `json:"churned_conns"`
	ChurnedExpected uint64 `json:"churned_expected"`
	ChurnedMissing  uint64 `json:"churned_missing"` // gaps across reconnects on ssehub
	Duplicates      uint64 `json:"duplicates"`
	OutOfRange      uint64 `json:"unknown_seqs"`
	Resumed         bool   `json:"resumed_with_last_event_id"`
}

// StormResult is what the storm scenario's cuts did.
type StormResult struct {
	EverySeconds       float64 `json:"every_seconds"`
	JitterSeconds      float64 `json:"jitter_seconds"` // reconnects delayed uniformly in [0, jitter)
	Storms             int     `json:"storms"`         // times every open stream was cut at once
	Cuts               int     `json:"cuts"`           // streams cut, over all storms
	Reconnects         int     `json:"reconnects"`     // successful reconnects (also after ends by the server)
	StreamsReconnected int     `json:"streams_reconnected"`
	ReconnectsCut      int     `json:"reconnects_cut_by_stop"` // cuts not reconnected because the run ended
}

// StreamChecks compares, stream by stream, what every opened logical stream
// received across its reconnects with what it was owed: the events
// published with a 200 answer to everyone or to its client. Counts are
// summed over the streams; Streams* count the streams concerned.
type StreamChecks struct {
	Streams       int    `json:"streams"`   // streams checked: every one that opened
	To            string `json:"events_to"` // broadcast or targeted
	Expected      uint64 `json:"expected"`
	Received      uint64 `json:"received"`       // expected events received at least once
	Missing       uint64 `json:"missing"`        // expected and never received
	SilentMissing uint64 `json:"silent_missing"` // missing with no reset event announcing it
	AnnouncedLost uint64 `json:"announced_lost"` // missing in the span a reset event announced lost
	Duplicates    uint64 `json:"duplicates"`     // deliveries of an event the stream already had
	OutOfOrder    uint64 `json:"out_of_order"`   // first deliveries whose hub id is not above an earlier one's
	Misdelivered  uint64 `json:"misdelivered"`   // events received that were owed to another client
	UnknownSeqs   uint64 `json:"unknown_seqs"`   // seqs the tool never planned
	ResetEvents   uint64 `json:"reset_events"`

	StreamsSilentMissing int `json:"streams_with_silent_missing"`
	StreamsAnnouncedLost int `json:"streams_with_announced_lost"`
	StreamsDuplicates    int `json:"streams_with_duplicates"`
	StreamsOutOfOrder    int `json:"streams_out_of_order"`
	StreamsMisdelivered  int `json:"streams_misdelivered"`
	StreamsReset         int `json:"streams_reset"`

	Problems []StreamProblem `json:"problem_streams,omitempty"` // the first few streams that failed a check
}

// StreamProblem is one stream that failed a check: silent loss, a duplicate,
// an event out of order or one meant for another client.
type StreamProblem struct {
	Stream         int    `json:"stream"`
	Client         string `json:"client"`
	Reconnects     int    `json:"reconnects"`
	Expected       uint64 `json:"expected"`
	Received       uint64 `json:"received"`
	SilentMissing  uint64 `json:"silent_missing"`
	AnnouncedLost  uint64 `json:"announced_lost"`
	Duplicates     uint64 `json:"duplicates"`
	OutOfOrder     uint64 `json:"out_of_order"`
	Misdelivered   uint64 `json:"misdelivered"`
	ResetEvents    uint64 `json:"reset_events"`
	FirstSilentSeq int64  `json:"first_silent_seq"` // -1: none
}

// SideBySideNote warns that a process side by side with others measured
// the server's memory growth of theirs too; a merged result drops it.
const SideBySideNote = "side by side (-listen, -id-prefix): the server's memory also grew by other processes' streams; -merge divides it by all of them"

// LatencyOf sums up d, or returns nil when it is empty.
func LatencyOf(d *Dist) *Latency {
	if d.Count() == 0 {
		return nil
	}
	return &Latency{
		Count:  d.Count(),
		P50Ms:  ms(d.Quantile(0.50)),
		P99Ms:  ms(d.Quantile(0.99)),
		P999Ms: ms(d.Quantile(0.999)),
		MaxMs:  ms(d.Max()),
	}
}

// SetLoss computes the loss from Expected and Received.
func (d *Delivery) SetLoss() {
	d.Loss = int64(d.Expected) - int64(d.Received)
	if d.Expected > 0 {
		d.LossPercent = 100 * float64(d.Loss) / float64(d.Expected)
	}
}

// Failure says what makes a run unacceptable for -strict, or "" if nothing:
// a stream that did not connect, a refused publish, a lost event, or (on
// ssehub, which resumes) a gap or duplicate across reconnects. Runs checked
// stream by stream (churn, storm) are judged by their checks instead of the
// total loss, so that loss a reset event announced does not fail a storm.
func (r *Result) Failure() string {
	switch {
	case r.Connected < r.Conns:
		return fmt.Sprintf("%d of %d streams connected", r.Connected, r.Conns)
	case r.PublishErrors > 0:
		return fmt.Sprintf("%d publishes failed", r.PublishErrors)
	case r.Checks == nil && r.Loss != 0:
		return fmt.Sprintf("loss %d", r.Loss)
	}
	if c := r.Churn; c != nil && (c.StableLoss > 0 || (c.Resumed && (c.ChurnedMissing > 0 || c.Duplicates > 0))) {
		return fmt.Sprintf("churn: stable loss %d, gaps %d, duplicates %d", c.StableLoss, c.ChurnedMissing, c.Duplicates)
	}
	if c := r.Checks; c != nil {
		return c.Problem()
	}
	return ""
}

// Problem says what makes the checks fail -strict, or "": loss no reset
// announced, a duplicate, an event out of the hub's order, or an event
// delivered to a client it was not for. Announced loss is the hub doing what
// it promises when its history no longer holds a stream's position.
func (c *StreamChecks) Problem() string {
	if c.SilentMissing+c.Duplicates+c.OutOfOrder+c.Misdelivered == 0 {
		return ""
	}
	return fmt.Sprintf("stream checks: %d silent missing (%d streams), %d duplicates, %d out of order, %d misdelivered",
		c.SilentMissing, c.StreamsSilentMissing, c.Duplicates, c.OutOfOrder, c.Misdelivered)
}
