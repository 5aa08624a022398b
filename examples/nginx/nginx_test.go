//go:build unix

// Package nginx_test checks examples/nginx/nginx.conf with a real nginx.
package nginx_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/client"
	"github.com/ssehub/ssehub/httpapi"
	"github.com/ssehub/ssehub/internal/ssetest"
)

// requireEnv turns a missing nginx into a failure instead of a skip.
const requireEnv = "SSEHUB_REQUIRE_NGINX"

func nginxPath(t *testing.T) string {
	t.Helper()
	return ssetest.Program(t, requireEnv, "the Debian package nginx-light", "nginx", "/usr/sbin/nginx")
}

// The configuration as shipped passes nginx -t.
func TestConfigValid(t *testing.T) {
	nginx := nginxPath(t)
	conf, err := filepath.Abs("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, err := exec.Command(nginx, "-t", "-q", "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", conf).CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -t -c %s: %v\n%s", conf, err, out)
	}
}

// Run in front of a real hub (its upstream and port rewritten), it passes
// a stream through unbuffered, publishes and presence, and Last-Event-ID.
func TestThroughNginx(t *testing.T) {
	nginx := nginxPath(t)
	hub := ssehub.New(ssehub.Config{Heartbeat: -1, Logger: slog.New(slog.DiscardHandler)})
	srv := ssetest.Serve(t, hub, httpapi.New(hub, httpapi.Config{}))
	addr := startNginx(t, nginx, strings.TrimPrefix(srv.URL, "http://"))
	base := "http://" + addr

	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(hc.CloseIdleConnections)
	c, err := client.New(base, client.Options{HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()

	s := ssetest.OpenRegistered(t, hc, base+"/sse?id=alice", nil)
	if ct := s.Resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("through nginx: Content-Type %q", ct)
	}
	first, err := c.Publish(ctx, client.Message{Clients: []string{"alice"}, Data: []byte("first")})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s.Expect(t, "first")
	if d := time.Since(start); d > time.Second {
		t.Errorf("the event took %v through nginx: buffered?", d)
	}
	if p, err := c.Clients(ctx, 0, ""); err != nil || len(p.Clients) != 1 {
		t.Errorf("presence through nginx: %+v, %v", p, err)
	}
	s.Close()

	if _, err := c.Publish(ctx, client.Message{Clients: []string{"alice"}, Data: []byte("missed")}); err != nil {
		t.Fatal(err)
	}
	resumed := ssetest.OpenRegistered(t, hc, base+"/sse?id=alice", http.Header{"Last-Event-ID": {first.ID}})
	resumed.Expect(t, "missed")
}

// startNginx runs nginx.conf with its upstream servers replaced by hub and
// its listen address by a free loopback port, until the test ends, and
// returns that address.
func startNginx(t *testing.T, nginx, hub string) string {
	t.Helper()
	conf, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	text := regexp.MustCompile(`(?m)^(\s*)server 10\.0\.0\.\d+:3020;\n`).ReplaceAllString(string(conf), "")
	text = strings.Replace(text, "keepalive 32;", "server "+hub+";\n        keepalive 32;", 1)
	text = strings.Replace(text, "listen 80;", "listen "+addr+";", 1)
	text = strings.Replace(text, "worker_processes auto;", "worker_processes 1;", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", path,
		"-g", "daemon off; pid "+filepath.Join(dir, "nginx.pid")+";")
	out, err := os.Create(filepath.Join(dir, "output"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its workers in its own group
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM) // the master ends its workers, then itself
		select {
		case <-exited:
		case <-time.After(ssetest.Wait):
			t.Errorf("nginx did not stop within %v of SIGTERM; killed", ssetest.Wait)
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever of its group is left
		<-exited
	})
	deadline := time.Now().Add(ssetest.Wait)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		select {
		case <-exited:
			output, _ := os.ReadFile(out.Name())
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %s\n%s", output, log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx not listening on %s within %v", addr, ssetest.Wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
