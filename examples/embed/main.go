// Command embed is an application with an HTTP server of its own that
// embeds the hub: the event streams at /events, the standalone server's
// API (publish, presence, kicks, health) under /hub/, and the
// application's own page at /. It shuts down in the order docs/LIBRARY.md's
// "Embedding" explains: the hub, then the server, then the Log.
//
//	go run ./examples/embed -addr :8080 -db events.db
//	curl -N 'localhost:8080/events?id=alice'
//	curl -H "Authorization: Bearer $KEY" -d client=alice -d data=hi localhost:8080/hub/publish
//
// The publish key comes from the environment (PUBLISH_KEY, at least 16
// characters); without one, publishing is open, as the hub's warning says.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/bolt"
	"github.com/ssehub/ssehub/httpapi"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	db := flag.String("db", "", "file of a durable history (bbolt); empty: in memory")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	err := run(ctx, config{addr: *addr, db: *db, publishKey: os.Getenv("PUBLISH_KEY"), logger: logger})
	if err != nil {
		logger.Error("embed", "err", err)
		os.Exit(1)
	}
}

type config struct {
	addr       string
	db         string // bolt file; empty: memory
	publishKey string
	logger     *slog.Logger
	ready      func(net.Addr) // told the listener's address, when not nil
}

// run serves until ctx ends, then shuts down in order.
func run(ctx context.Context, cfg config) error {
	log, err := openLog(cfg.db)
	if err != nil {
		return err
	}
	hub := ssehub.New(ssehub.Config{Log: log, Logger: cfg.logger})
	var keys []string
	if cfg.publishKey != "" {
		keys = []string{cfg.publishKey}
	}
	api := httpapi.New(hub, httpapi.Config{PublishKeys: keys})

	mux := http.NewServeMux()
	mux.Handle("GET /events", hub)                     // new EventSource("/events?id=alice&topic=room-1")
	mux.Handle("/hub/", http.StripPrefix("/hub", api)) // POST /hub/publish, GET /hub/clients, /hub/readyz, ...
	mux.HandleFunc("GET /{$}", home)                   // the application's own routes
	// No WriteTimeout: it would cut the streams (the hub bounds each write).
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		log.Close()
		return err
	}
	if cfg.ready != nil {
		cfg.ready(ln.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-served: // the listener failed
		hub.Shutdown(context.Background())
		log.Close()
		return err
	}

	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = errors.Join(
		hub.Shutdown(sctx), // 1. publishes get 503, what is queued is written, every stream ends
		srv.Shutdown(sctx), // 2. the other requests finish, the listener closes
		log.Close(),        // 3. the Log last: the hub used it until its Shutdown returned
	)
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return err
}

// openLog opens the history: a bolt file, or memory.
func openLog(path string) (ssehub.Log, error) {
	if path == "" {
		return ssehub.NewMemoryLog(ssehub.Retention{}), nil
	}
	return bolt.Open(path, ssehub.Retention{})
}

func home(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, "the application's own page; streams at /events?id=<you>, the hub's API under /hub/")
}
