// Command ssehub runs a standalone SSE push hub: browsers subscribe with
// GET /sse, backends in any language publish with POST /publish. Run it with
// -h for its flags, each with its environment variable and its default;
// every flag but -version can also be set in the environment, mostly as
// SSEHUB_<NAME> (upper case, dashes as underscores), e.g. SSEHUB_ADDR=:8080
// (see envName for the exceptions).
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/metrics"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // the first signal starts a graceful shutdown; a second ends the process
	}()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil))
}

// run is the whole program: parse, wire, serve until ctx ends, shut down.
// It returns the exit code. Messages and logs go to stderr; only -version
// writes to the standard output, to be read by scripts. ready, if not nil,
// receives the listening address once the server accepts connections (for
// tests).
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, ready chan<- string) int {
	cfg, err := parseConfig(args, environment{get: getenv, names: environNames(getenv)}, stderr)
	switch {
	case errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errVersion):
		info, ok := debug.ReadBuildInfo()
		writeVersion(os.Stdout, info, ok)
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "ssehub: %v\nssehub -h lists every flag, its environment variable and its default.\n", err)
		return 2
	}
	logger := newLogger(stderr, cfg.logFormat, slog.Level(cfg.logLevel))
	warnUnknownEnv(logger, cfg.unknownEnv)
	return serve(ctx, cfg, logger, ready)
}

// serve opens the store and the listeners, serves until ctx ends, and
// shuts down: the exit code of a valid configuration (0, or 1 for a
// failure).
func serve(ctx context.Context, cfg config, logger *slog.Logger, ready chan<- string) int {
	st, err := openStore(ctx, cfg, logger)
	if err != nil {
		logger.Error("ssehub: cannot open the store", "err", err)
		return 1
	}
	defer func() {
		if err := st.close(); err != nil {
			logger.Warn("ssehub: closing the store", "err", err)
		}
	}()
	ln, mln, err := listen(cfg)
	if err != nil {
		logger.Error("ssehub: cannot listen", "err", err)
		return 1
	}
	files := raiseFileLimit(logger)
	cfg.limits.MaxStreams = maxStreams(cfg, files, logger)
	hub := newHub(cfg, st, logger)
	metricsHandler := metrics.Handler(hub, st.log)
	srv := newServer(cfg, hub, metricsHandler, logger)
	if cfg.tlsPair != nil {
		ln = ssehub.TLSListener(ln, &tls.Config{
			Certificates: []tls.Certificate{*cfg.tlsPair},
			NextProtos:   []string{"h2", "http/1.1"},
			MinVersion:   tls.VersionTLS12,
		})
	}
	served := make(chan error, 2)
	go func() { served <- srv.Serve(ln) }()
	if mln != nil {
		defer serveMetrics(mln, metricsHandler, logger, served).Close()
	}
	tickDone := startTick(ctx, hub, cfg.tick)
	logger.Info("ssehub listening", "addr", ln.Addr().String(), "tls", cfg.tlsPair != nil, "store", st.name, "max_streams", cfg.limits.MaxStreams, "open_files", files)
	warnOpen(logger, cfg)
	warnMercure(logger, cfg)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case <-ctx.Done():
	case err := <-served:
		logger.Error("ssehub: server failed", "err", err)
		return 1
	}
	<-tickDone
	shutdown(cfg, hub, srv, logger)
	return 0
}

// maxStreams is the limit of streams in all: -max-streams when given, else
// the default lowered to what the open-files limit allows.
func maxStreams(cfg config, files uint64, logger *slog.Logger) int {
	if !cfg.set["max-streams"] {
		return defaultMaxStreams(files)
	}
	if files > 0 && uint64(cfg.limits.MaxStreams) > files {
		logger.Warn("ssehub: -max-streams is above the open-files limit: streams past it fail to connect, and so do publishers", "max_streams", cfg.limits.MaxStreams, "open_files", files)
	}
	return cfg.limits.MaxStreams
}

// newHub makes the hub the flags describe, on the opened store.
func newHub(cfg config, st *store, logger *slog.Logger) *ssehub.Hub {
	authorizer, _ := cfg.authorizer() // validated by parseConfig
	return ssehub.New(ssehub.Config{
		Log:          st.log,
		Cluster:      st.cluster,
		Retry:        cfg.retry,
		Heartbeat:    cfg.heartbeat,
		QueueBytes:   int(cfg.queueBytes),
		WriteTimeout: cfg.writeTimeout,
		Logger:       logger,
		Authorizer:   authorizer,
		Limits:       cfg.limits,
		KickMemory:   cfg.kickMemory,
		KickLimit:    cfg.hubKickLimit(authorizer),
		QueryParams:  cfg.sseParams,
	})
}

// newServer makes the HTTP server of -addr: the API, and /metrics behind
// the publish keys unless -metrics-addr serves it apart.
func newServer(cfg config, hub *ssehub.Hub, metricsHandler http.Handler, logger *slog.Logger) *http.Server {
	origins, _ := cfg.origins() // validated by parseConfig
	apiMetrics := metricsHandler
	if cfg.metricsAddr != "" {
		apiMetrics = nil
	}
	return &http.Server{
		Handler: httpapi.New(hub, httpapi.Config{
			AllowOrigins: origins,
			PublishKeys:  cfg.publishKeys,
			MaxBodyBytes: int64(cfg.maxBody),
			MaxDataBytes: int(cfg.maxData),
			BodyTimeout:  cfg.bodyTimeout,
			AllowHosts:   cfg.allowHosts,
			Metrics:      apiMetrics,
			Mercure:      cfg.mercureHandler(hub, origins),
		}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute, // publishers' idle keep-alive connections
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		Protocols:         protocols(cfg),
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: cfg.h2MaxStreams},
	}
}

// shutdown ends the hub first (queues written, streams ended, publishes
// refused), then the server, within -shutdown-timeout.
func shutdown(cfg config, hub *ssehub.Hub, srv *http.Server, logger *slog.Logger) {
	logger.Info("ssehub shutting down", "timeout", cfg.shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	if err := hub.Shutdown(sctx); err != nil {
		logger.Warn("ssehub: streams closed before their queues were written", "err", err)
	}
	// The streams are gone; what remains are publish requests (answered 503
	// at once) and connections a client opened but never used, which
	// net/http would wait 5 s for. A second is plenty for the former.
	hctx, hcancel := context.WithTimeout(sctx, time.Second)
	defer hcancel()
	if err := srv.Shutdown(hctx); err != nil {
		srv.Close()
	}
}

// listen opens the listener of -addr and, when it is set, that of
// -metrics-addr, before either serves: a port in use fails start-up (exit
// 1) with nothing half started. The addresses are well formed (checked
// with the flags, a bad one exits 2); what fails here is the system's
// refusal, which the error names with the flag.
func listen(cfg config) (main, metrics net.Listener, err error) {
	// No TCP keep-alive probes: the hub's heartbeats find dead peers, and
	// setting keep-alive costs three system calls per accepted connection.
	lc := net.ListenConfig{KeepAlive: -1}
	if main, err = lc.Listen(context.Background(), "tcp", cfg.addr); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", cfg.where("addr"), err)
	}
	if cfg.metricsAddr == "" {
		return main, nil, nil
	}
	if metrics, err = net.Listen("tcp", cfg.metricsAddr); err != nil {
		main.Close()
		return nil, nil, fmt.Errorf("%s: %w", cfg.where("metrics-addr"), err)
	}
	return main, metrics, nil
}

// serveMetrics serves /metrics alone on ln, for a scraper on a network of
// its own: no publish key is asked there.
func serveMetrics(ln net.Listener, h http.Handler, logger *slog.Logger, served chan<- error) *http.Server {
	srv := &http.Server{
		Handler:           httpapi.MetricsOnly(h),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Second, // no streams here: a whole request, body included, or the connection closes
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go func() { served <- srv.Serve(ln) }()
	logger.Info("ssehub metrics listening", "addr", ln.Addr().String())
	return srv
}

// protocols are what the server speaks: HTTP/1.1, and HTTP/2 over TLS
// (negotiated by ALPN) or, with -h2c, in cleartext with prior knowledge, as
// proxies speak it to an upstream. Over HTTP/2 one browser can hold more
// than six streams to the hub.
func protocols(cfg config) *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetHTTP2(cfg.tlsPair != nil)
	p.SetUnencryptedHTTP2(cfg.h2c && cfg.tlsPair == nil)
	return p
}

// raiseFileLimit lets the process hold as many streams as the system allows
// (each is an open file), and returns the open-files limit (0: unknown).
func raiseFileLimit(logger *slog.Logger) uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	if lim.Cur >= lim.Max {
		return lim.Cur
	}
	cur := lim.Cur
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		logger.Warn("ssehub: cannot raise the open-files limit", "err", err)
		return cur
	}
	return lim.Cur
}

// fileReserve is what defaultMaxStreams keeps of the open-files limit for
// what is not a stream: publishers' connections, the store, Redis.
const fileReserve = 500

// defaultMaxStreams is -max-streams when not given: ssehub.DefaultMaxStreams,
// or fewer if the open-files limit (files; 0: unknown) would run out first,
// so that a full hub refuses streams with 503 and still accepts publishers
// rather than failing to accept anything.
func defaultMaxStreams(files uint64) int {
	n := uint64(ssehub.DefaultMaxStreams)
	switch {
	case files == 0:
	case files > 2*fileReserve:
		n = min(n, files-fileReserve)
	default:
		n = min(n, files/2)
	}
	return int(n)
}

// warnOpen says, once at start, what anyone who can reach the hub may do.
func warnOpen(logger *slog.Logger, cfg config) {
	streams := cfg.jwtSecret == "" && cfg.jwtPublicKey == ""
	publish := len(cfg.publishKeys) == 0
	switch {
	case streams && publish:
		logger.Warn("ssehub is running open: anyone who can reach it can listen as any client id, publish, and list or kick clients (publishing only for an IP address, localhost or a name of -allow-host); set -jwt-secret or -jwt-public-key for streams and -publish-key for the rest")
	case streams:
		logger.Warn("ssehub streams are open: anyone who can reach it can listen as any client id; set -jwt-secret or -jwt-public-key")
	case publish:
		logger.Warn("ssehub publishing is open: anyone who can reach it can publish, and list or kick clients (/clients), for an IP address, localhost or a name of -allow-host; set -publish-key")
	}
}
