package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ssehub/ssehub/internal/loadresult"
)

func main() { os.Exit(run()) }

// run parses the flags, runs the scenario and reports; it returns the exit
// status (deferred calls, such as stopping the CPU profile, run first).
func run() (exit int) {
	var cfg Config
	declareConfigFlags(&cfg)
	o := declareToolFlags()
	flag.Parse()
	if flag.NArg() > 0 && !*o.merge {
		flag.Usage()
		return 2
	}
	if *o.compareDir != "" {
		return compareMain(*o.compareDir, *o.baseline, *o.saveBaseline)
	}
	if *o.procs > 0 {
		runtime.GOMAXPROCS(*o.procs)
	}
	cfg.Log = os.Stderr
	if *o.quiet {
		cfg.Log = io.Discard
	}
	if *o.cpuProfile != "" {
		f, err := os.Create(*o.cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "ssebench:", err)
			return 1
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var res *Result
	var err error
	if *o.merge {
		res, err = mergeFiles(flag.Args())
	} else {
		res, err = Run(ctx, cfg)
	}
	if ue := (usageError{}); errors.As(err, &ue) {
		fmt.Fprintln(os.Stderr, "ssebench:", err)
		return 2
	}
	return report(res, err, o)
}

// parsePIDs parses -pid: process ids, comma-separated; "0" or "" is none.
func parsePIDs(v string) ([]int, error) {
	var pids []int
	for _, f := range strings.Split(v, ",") {
		pid, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || pid < 0 {
			return nil, fmt.Errorf("%q is not a process id", f)
		}
		if pid > 0 {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// mergeFiles is -merge: it merges the results in paths, refusing none as a
// usage error.
func mergeFiles(paths []string) (*Result, error) {
	if len(paths) == 0 {
		return nil, usageError{"-merge: name the JSON results to merge"}
	}
	return loadresult.MergeFiles(paths)
}

// compareMain is -compare: it prints the table to stdout and returns the
// exit status.
func compareMain(dir, baseline, save string) int {
	if err := loadresult.Compare(os.Stdout, dir, baseline, save); err != nil {
		fmt.Fprintln(os.Stderr, "ssebench: -compare:", err)
		return 1
	}
	return 0
}

// declareConfigFlags declares the flags of a run, setting cfg.
func declareConfigFlags(cfg *Config) {
	flag.StringVar(&cfg.URL, "url", defaultURL, "hub base URL, http:// or https:// (loopback only; the default is ssehub's -addr), or one per node of a cluster, comma-separated: streams and publishes are spread over them")
	flag.StringVar(&cfg.Proto, "proto", protoH1, "the streams' protocol: h1 (HTTP/1.1, a connection each) or h2 (HTTP/2 streams sharing connections; over http:// cleartext h2c)")
	flag.IntVar(&cfg.H2StreamsPerConn, "h2-streams-per-conn", defaultH2StreamsPerConn, "-proto h2: streams sharing one connection, as a browser's tabs share one")
	flag.BoolVar(&cfg.Insecure, "insecure", false, "https://: accept the hub's certificate unchecked (a self-signed test certificate)")
	flag.StringVar(&cfg.CAFile, "ca", "", "https://: PEM file of the certificate, or its CA's, that the hub's must be signed by (default: the system's roots)")
	flag.StringVar(&cfg.Target, "target", targetSSEHub, "publish API: ssehub or yardstick")
	flag.StringVar(&cfg.Scenario, "scenario", "idle", "idle, fanout, latency, targeted, churn or storm")
	flag.IntVar(&cfg.Conns, "conns", 1000, "streams to open (over HTTP/1.1 at most about 19,500 per process, a connection each)")
	flag.IntVar(&cfg.Sources, "sources", 0, "source addresses 127.0.0.F..127.0.0.F+K-1 to dial from (0: ceil(conns/20000))")
	flag.IntVar(&cfg.SourceFirst, "source-first", 1, "F, the last byte of the first source address: processes side by side each take their own")
	flag.StringVar(&cfg.IDPrefix, "id-prefix", "", "start of every client id (<prefix>c<i>): processes side by side each take their own")
	flag.IntVar(&cfg.DialConcurrency, "dial-concurrency", 128, "dials in flight at most")
	flag.IntVar(&cfg.BufSize, "bufsize", 2048, "read buffer bytes per stream, split between HTTP and SSE parsing")
	flag.IntVar(&cfg.Events, "events", 200, "fanout: broadcasts to publish")
	flag.IntVar(&cfg.Publishers, "publishers", 4, "concurrent publish requests (targeted: raised to rate/250)")
	flag.Float64Var(&cfg.Rate, "rate", 0, "events per second (0: 2, targeted 10000)")
	flag.DurationVar(&cfg.Duration, "duration", 0, "publishing time of latency, targeted, churn and storm (0: 20s); idle: hold time")
	flag.IntVar(&cfg.Clients, "clients", 0, "distinct client ids; stream i is client c<i mod clients> (0: one per stream)")
	flag.Float64Var(&cfg.Churn, "churn", 0.1, "churn: fraction of the streams closed and reopened per second")
	flag.StringVar(&cfg.To, "to", "", "churn, storm: events to everyone (broadcast) or each to one pseudo-random client (targeted); default broadcast")
	flag.DurationVar(&cfg.StormEvery, "storm-every", 5*time.Second, "storm: cut every open stream at once this often")
	flag.DurationVar(&cfg.StormJitter, "storm-jitter", 0, "storm (and churn): reconnect a cut stream after a uniform random delay in [0, jitter); 0: at once")
	flag.IntVar(&cfg.Size, "size", 64, "event data bytes")
	flag.BoolVar(&cfg.Mercure, "mercure", false, "streams subscribe Mercure's way (GET /.well-known/mercure, URI templates) to a hub run with -mercure -mercure-anonymous; events go to topics they match (churn, storm, latency, fanout, targeted; HTTP/1.1 streams)")
	flag.DurationVar(&cfg.Settle, "settle", 3*time.Second, "wait after opening before reading memory")
	flag.DurationVar(&cfg.Drain, "drain", 30*time.Second, "wait for outstanding deliveries after the last publish")
	flag.DurationVar(&cfg.Timeout, "timeout", 2*time.Minute, "bound of the whole run")
	flag.Func("pid", "server process id, or the nodes' ids comma-separated: report their VmRSS per connection and CPU, summed", func(v string) error {
		pids, err := parsePIDs(v)
		cfg.PIDs = pids
		return err
	})
	flag.BoolVar(&cfg.Listen, "listen", false, "fanout: publish nothing, receive the -events broadcasts another ssebench process publishes")
	flag.StringVar(&cfg.ReadyFile, "ready-file", "", "write this file once the streams are open and settled")
	flag.BoolVar(&cfg.Mergeable, "mergeable", false, "add the latency histograms and the broadcasts' times to -json, for -merge")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of targeted client choice and churn")
	flag.IntVar(&cfg.Batch, "batch", 1, "events per publish request, sent as one JSON array (ssehub only; at most 1000); the event rate stays -rate")
	flag.StringVar(&cfg.PublishKey, "publish-key", "", "the hub's publish key (ssehub -publish-key), sent with every publish")
	flag.BoolVar(&cfg.NetHTTP, "nethttp", false, "publish with net/http's http.Client (default: a minimal keep-alive HTTP/1.1 client, cheaper per request)")
}

// toolFlags are the flags of the tool itself rather than of a run: its
// output, its own limits, and the modes that run nothing (-merge, -compare).
type toolFlags struct {
	jsonPath     *string
	procs        *int
	quiet        *bool
	strict       *bool
	cpuProfile   *string
	merge        *bool
	compareDir   *string
	baseline     *string
	saveBaseline *string
}

// declareToolFlags declares the tool's own flags and its usage text.
func declareToolFlags() *toolFlags {
	o := new(toolFlags)
	o.jsonPath = flag.String("json", "", "also write the figures as JSON to this file")
	o.procs = flag.Int("procs", 0, "GOMAXPROCS of the tool (0: runtime default)")
	o.quiet = flag.Bool("q", false, "no progress lines on stderr")
	o.strict = flag.Bool("strict", false, "exit 1 unless every stream connected and nothing was lost or refused (for CI); churn, storm: nor silently lost, duplicated or out of order")
	o.cpuProfile = flag.String("cpuprofile", "", "write the tool's CPU profile to this file")
	o.merge = flag.Bool("merge", false, "merge the -mergeable JSON results named as arguments (processes side by side) and report them as one run")
	o.compareDir = flag.String("compare", "", "print scripts/compare.sh's comparison table of the results in this directory (<target>-<scenario>.json), run nothing")
	o.baseline = flag.String("baseline", "", "-compare: take the yardstick's figures from this baseline file when the directory has none")
	o.saveBaseline = flag.String("save-baseline", "", "-compare: first write the directory's yardstick results to this file, the new baseline")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: ssebench -scenario idle|fanout|latency|targeted|churn|storm -target ssehub|yardstick [-url http[s]://127.0.0.1:PORT[,...]] [-proto h1|h2] [-pid P[,...]] [flags]\n")
		fmt.Fprintf(flag.CommandLine.Output(), "       ssebench -merge [-json out.json] [-strict] result.json...\n")
		fmt.Fprintf(flag.CommandLine.Output(), "       ssebench -compare DIR [-baseline FILE] [-save-baseline FILE]\n")
		flag.PrintDefaults()
	}
	return o
}

// report prints res and writes its JSON, and returns the exit status: 1 for
// the run's error, a JSON file not written, or with -strict a failure.
func report(res *Result, err error, o *toolFlags) (exit int) {
	if res != nil {
		loadresult.WriteTable(os.Stdout, res)
		if *o.jsonPath != "" {
			if jerr := loadresult.WriteJSON(*o.jsonPath, res); jerr != nil {
				fmt.Fprintln(os.Stderr, "ssebench:", jerr)
				exit = 1
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssebench:", err)
		exit = 1
	}
	if *o.strict && res != nil {
		if problem := res.Failure(); problem != "" {
			fmt.Fprintln(os.Stderr, "ssebench: -strict:", problem)
			exit = 1
		}
	}
	return exit
}
