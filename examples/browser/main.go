// Command browser serves a static page (index.html: plain HTML and an ES
// module, no build step) that subscribes to the hub with EventSource: it
// shows untyped and typed events, the connection's state, and the reset
// event the hub sends when it cannot resume; a small form publishes to the
// page's own client id.
//
//	go run ./examples/browser -addr :8080
//	open 'http://localhost:8080/?id=alice&topic=room-1'
//	go run ./examples/publish -url http://localhost:8080/api -to alice -event chat hi
//
// The page, the streams (/events) and the API (/api/) share one origin, so
// no -allow-origin is needed. A page served from elsewhere would point its
// EventSource at the hub's URL, and the hub would list that page's origin
// in -allow-origin.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
)

//go:embed index.html
var page []byte

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, config{addr: *addr, logger: logger}); err != nil {
		logger.Error("browser", "err", err)
		os.Exit(1)
	}
}

type config struct {
	addr   string
	logger *slog.Logger
	retry  time.Duration  // the browsers' reconnection delay; zero: the hub's default
	ready  func(net.Addr) // told the listener's address, when not nil
}

// run serves the page, the streams and the API until ctx ends.
func run(ctx context.Context, cfg config) error {
	log := ssehub.NewMemoryLog(ssehub.Retention{})
	hub := ssehub.New(ssehub.Config{Log: log, Logger: cfg.logger, Retry: cfg.retry})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
		w.Write(page)
	})
	mux.Handle("GET /events", hub)
	mux.Handle("/api/", http.StripPrefix("/api", httpapi.New(hub, httpapi.Config{})))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	if cfg.ready != nil {
		cfg.ready(ln.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-served:
		hub.Shutdown(context.Background())
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = errors.Join(hub.Shutdown(sctx), srv.Shutdown(sctx), log.Close()) // the hub, the server, the Log
	<-served
	return err
}
