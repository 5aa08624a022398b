package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// RequireEnv names the environment variable that turns a missing
// redis-server into a test failure instead of a skip.
const RequireEnv = "SSEHUB_REQUIRE_REDIS"

// startWait bounds how long a redis-server may take to accept connections.
const startWait = 10 * time.Second

// A Server is one redis-server process, stopped when the test ends.
type Server struct {
	t    testing.TB
	dir  string
	port int

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Start starts a redis-server for t, or skips t (fails it, with
// SSEHUB_REQUIRE_REDIS set) when none is installed.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("redis-server is not installed (%v) and %s is set: install the Debian package redis-server", err, RequireEnv)
		}
		t.Skipf("SKIPPED, NOT PASSED: redis-server is not on PATH (%v). Install the Debian package redis-server to run the Redis tests; CI sets %s so that they cannot be skipped there.", err, RequireEnv)
	}
	s := &Server{t: t, dir: t.TempDir(), port: freePort(t)}
	s.Start()
	t.Cleanup(s.kill)
	return s
}

// URL is the server's address as a redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Addr is the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Start starts the server (again, after Stop or Reset) on the same port,
// with the data Stop saved, and waits until it accepts connections.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.t.Fatal("redistest: Start of a running server")
	}
	cmd := exec.Command("redis-server",
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--dir", s.dir, "--dbfilename", "dump.rdb",
		"--save", "", "--appendonly", "no", "--enable-debug-command", "local",
		"--logfile", filepath.Join(s.dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("redistest: starting redis-server: %v", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(startWait)
	for {
		if reply, err := s.command("PING"); err == nil && reply == "+PONG" {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			s.t.Fatalf("redistest: redis-server did not answer PING within %v; its log:\n%s", startWait, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop saves the data and stops the server; Start brings it back with them.
func (s *Server) Stop() {
	s.t.Helper()
	s.shutdown("SHUTDOWN SAVE")
}

// Reset stops the server without saving and deletes what it had saved, then
// starts it: a Redis that restarted empty.
func (s *Server) Reset() {
	s.t.Helper()
	s.shutdown("SHUTDOWN NOSAVE")
	if err := os.Remove(filepath.Join(s.dir, "dump.rdb")); err != nil && !os.IsNotExist(err) {
		s.t.Fatal(err)
	}
	s.Start()
}

func (s *Server) shutdown(command string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		s.t.Fatal("redistest: stop of a stopped server")
	}
	s.command(command) // the connection closes without a reply
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(startWait):
		s.cmd.Process.Kill()
		<-done
		s.t.Errorf("redistest: redis-server did not stop within %v after %s; killed", startWait, command)
	}
	s.cmd = nil
}

func (s *Server) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// command sends one inline command and returns the first line of the reply.
func (s *Server) command(line string) (string, error) {
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := fmt.Fprintf(c, "%s\r\n", line); err != nil {
		return "", err
	}
	reply, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(reply), err
}

// freePort returns a TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
