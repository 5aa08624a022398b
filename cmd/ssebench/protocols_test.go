package main

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
	"github.com/ssehub/ssehub/internal/tlstest"
)

// Ways of serving a hub in these tests.
const (
	overH1TLS  = "h1-tls"  // HTTPS offering only HTTP/1.1
	overH2TLS  = "h2-tls"  // HTTPS offering HTTP/2 and HTTP/1.1 by ALPN
	overH2C    = "h2c"     // cleartext HTTP/1.1 and HTTP/2 with prior knowledge
	overHubTLS = "hub-tls" // HTTPS through ssehub.TLSListener, HTTP/2 and HTTP/1.1, as the binary serves it
)

// serveOver serves handler over loopback the way mode says and returns the
// server; its URL is https:// for the TLS modes.
func serveOver(t *testing.T, handler http.Handler, mode string) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(handler)
	var p http.Protocols
	p.SetHTTP1(true)
	switch mode {
	case overH1TLS:
		srv.StartTLS()
	case overH2TLS:
		srv.EnableHTTP2 = true
		srv.TLS = &tls.Config{NextProtos: []string{"h2", "http/1.1"}}
		srv.StartTLS()
	case overH2C:
		p.SetUnencryptedHTTP2(true)
		srv.Config.Protocols = &p
		srv.Start()
	case overHubTLS:
		p.SetHTTP2(true)
		srv.Config.Protocols = &p
		conf := &tls.Config{Certificates: []tls.Certificate{tlstest.Get(t).Pair}, NextProtos: []string{"h2", "http/1.1"}}
		srv.Listener = ssehub.TLSListener(srv.Listener, conf)
		srv.Start()
		srv.URL = strings.Replace(srv.URL, "http://", "https://", 1)
	default:
		t.Fatalf("mode %q", mode)
	}
	t.Cleanup(srv.Close)
	return srv
}

// protoFor is the -proto that reaches a server served over mode with HTTP/2
// when h2 is set.
func protoFor(h2 bool) string {
	if h2 {
		return protoH2
	}
	return protoH1
}

// The idle and fanout scenarios over TLS and HTTP/2: every stream over the
// protocol asked for, HTTP/2 streams sharing connections seven at a time,
// nothing lost. Publishes with -nethttp follow -proto.
func TestProtocols(t *testing.T) {
	for _, c := range []struct {
		mode    string
		h2      bool
		netHTTP bool
	}{
		{overH1TLS, false, false},
		{overH2TLS, false, true}, // HTTP/1.1 to a hub that also offers HTTP/2
		{overH2TLS, true, true},
		{overH2C, true, false},
		{overH2C, true, true},
	} {
		t.Run(c.mode+"/"+protoFor(c.h2)+map[bool]string{true: "/nethttp"}[c.netHTTP], func(t *testing.T) {
			h := &testHub{}
			srv := serveOver(t, h.handler(), c.mode)
			base := Config{
				URL: srv.URL, Target: targetYardstick, Proto: protoFor(c.h2), H2StreamsPerConn: 7,
				Insecure: srv.TLS != nil, NetHTTP: c.netHTTP,
			}
			idle := base
			idle.Scenario, idle.Conns, idle.Duration = "idle", 20, 100*time.Millisecond
			if res := runTest(t, idle); res.Connected != 20 || res.Drops != 0 {
				t.Fatalf("idle: %d of 20 connected, %d ended by the server", res.Connected, res.Drops)
			}
			fan := base
			fan.Scenario, fan.Conns, fan.Events = "fanout", 30, 10
			res := runTest(t, fan)
			if res.Connected != 30 || res.Received != 300 || res.Loss != 0 || !res.Drained {
				t.Fatalf("fanout: %d connected, %d of %d received", res.Connected, res.Received, res.Expected)
			}
			checkProtocols(t, h, res, c.h2, srv.TLS != nil, c.netHTTP)
		})
	}
}

// checkProtocols asserts what the hub saw of the fanout run res: 50
// streams (20 idle, 30 fanout) over the right protocol, HTTP/2 ones seven
// to a connection, and the publishes over HTTP/2 when they should be.
func checkProtocols(t *testing.T, h *testHub, res *Result, h2, tls, netHTTP bool) {
	t.Helper()
	want := map[bool]int64{true: 50}
	if got := h.h2Streams.Load(); got != want[h2] {
		t.Errorf("%d HTTP/2 streams, want %d", got, want[h2])
	}
	if got := h.tlsStreams.Load(); got != want[tls] {
		t.Errorf("%d TLS streams, want %d", got, want[tls])
	}
	if got, want := h.h2Publishes.Load(), map[bool]int64{true: 10}[h2 && netHTTP]; got != want {
		t.Errorf("%d publishes over HTTP/2, want %d", got, want)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	conns, most := len(h.remotes), 0
	for _, n := range h.remotes {
		most = max(most, n)
	}
	if !h2 {
		if conns != 50 || res.H2Conns != 0 {
			t.Errorf("HTTP/1.1: %d connections for 50 streams, %d HTTP/2 ones", conns, res.H2Conns)
		}
		return
	}
	// 20 idle streams on 3 connections, 30 fanout ones on 5.
	if conns != 8 || most != 7 || res.H2Conns != 5 || res.StreamsPerConn != 7 {
		t.Errorf("HTTP/2: %d connections (the fanout run dialed %d), at most %d streams on one; want 8, 5, 7", conns, res.H2Conns, most)
	}
}

// The certificate is checked unless -insecure: without it, or -ca naming
// it, no stream opens; with -ca every stream does, over both protocols.
func TestTLSCertificateChecks(t *testing.T) {
	h := &testHub{}
	srv := serveOver(t, h.handler(), overH2TLS)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, proto := range []string{protoH1, protoH2} {
		cfg := Config{URL: srv.URL, Target: targetYardstick, Scenario: "idle", Conns: 3, Proto: proto, Timeout: 20 * time.Second}
		res, err := Run(context.Background(), cfg)
		if err == nil || res == nil || res.ConnectErrors["bad certificate"] != 3 {
			t.Errorf("%s, no -ca: %v, connect errors %v; want 3 bad certificates", proto, err, res.ConnectErrors)
		}
		cfg.CAFile = ca
		if res := runTest(t, cfg); res.Connected != 3 {
			t.Errorf("%s, -ca: %d of 3 connected", proto, res.Connected)
		}
	}
	if _, err := Run(context.Background(), Config{URL: srv.URL, Scenario: "idle", Conns: 1, CAFile: filepath.Join(t.TempDir(), "none.pem")}); err == nil {
		t.Error("a missing -ca file accepted")
	}
}

// HTTP/2 asked of a hub that offers only HTTP/1.1 opens nothing.
func TestH2RefusedOverH1(t *testing.T) {
	srv := serveOver(t, (&testHub{}).handler(), overH1TLS)
	res, err := Run(context.Background(), Config{URL: srv.URL, Target: targetYardstick, Scenario: "idle", Conns: 2, Proto: protoH2, Insecure: true, Timeout: 20 * time.Second})
	if err == nil || res == nil || res.Connected != 0 {
		t.Fatalf("HTTP/2 to an HTTP/1.1-only hub: %v", err)
	}
}

// Storms over TLS and HTTP/2 against the test hub: every stream is cut
// (an HTTP/2 stream by canceling its request, its connection kept) and
// resumes with Last-Event-ID, and the checks find nothing missing.
func TestStormProtocols(t *testing.T) {
	for _, c := range []struct {
		mode string
		h2   bool
	}{{overH1TLS, false}, {overH2TLS, true}, {overH2C, true}} {
		t.Run(c.mode+"/"+protoFor(c.h2), func(t *testing.T) {
			h := &testHub{ssehub: true}
			srv := serveOver(t, h.handler(), c.mode)
			res := runTest(t, Config{
				URL: srv.URL, Target: targetSSEHub, Scenario: "storm", Proto: protoFor(c.h2), Insecure: srv.TLS != nil,
				Conns: 40, Clients: 10, Rate: 100, Duration: 1500 * time.Millisecond,
				StormEvery: 400 * time.Millisecond, Drain: 5 * time.Second,
			})
			st, k := res.Storm, res.Checks
			if st.Storms != 3 || st.StreamsReconnected != 40 || k.Expected != 150*40 || k.Received != k.Expected || res.Failure() != "" {
				t.Fatalf("storm %+v, %d of %d received, failure %q", st, k.Received, k.Expected, res.Failure())
			}
			if c.h2 && res.H2Conns != 1 {
				t.Errorf("%d HTTP/2 connections dialed for 40 streams, want 1 kept through the storms", res.H2Conns)
			}
		})
	}
}

// startHubOver serves a real hub on a memory log over mode and returns its URL.
func startHubOver(t *testing.T, mode string) string {
	t.Helper()
	log := ssehub.NewMemoryLog(ssehub.Retention{})
	t.Cleanup(func() { log.Close() })
	hub := ssehub.New(ssehub.Config{Log: log, Logger: slog.New(slog.DiscardHandler)})
	srv := serveOver(t, httpapi.New(hub, httpapi.Config{}), mode)
	ssetest.ShutdownAtEnd(t, hub) // before serveOver's Close
	return srv.URL
}

// Storms against the real hub over TLS and HTTP/2, through its own TLS
// listener too: every stream ends up with every event, once, in order.
func TestStormRealHubProtocols(t *testing.T) {
	for _, c := range []struct {
		mode string
		h2   bool
	}{{overHubTLS, false}, {overHubTLS, true}, {overH2TLS, true}, {overH2C, true}} {
		t.Run(c.mode+"/"+protoFor(c.h2), func(t *testing.T) {
			url := startHubOver(t, c.mode)
			res := runTest(t, Config{
				URL: url, Target: targetSSEHub, Scenario: "storm", Proto: protoFor(c.h2), Insecure: strings.HasPrefix(url, "https:"),
				Conns: 200, Clients: 200, Rate: 100, Duration: 2 * time.Second,
				StormEvery: 600 * time.Millisecond, Drain: 10 * time.Second,
			})
			checkStorm(t, res)
			if k := res.Checks; k.Missing != 0 {
				t.Errorf("%d missing (%d announced)", k.Missing, k.AnnouncedLost)
			}
		})
	}
}
