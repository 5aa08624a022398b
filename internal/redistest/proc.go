package redistest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A proc is one redis-server or redis-sentinel process of a Sentinel or
// Cluster harness, on a fixed port so that it can be killed and started
// again with the same identity.
type proc struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	args func() []string // the command line, built at each start

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Addr is the process's host:port.
func (p *proc) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

// start starts the process and waits until it answers PING.
func (p *proc) start() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		p.t.Fatalf("redistest: %s on %s is already running", p.bin, p.Addr())
	}
	cmd := exec.Command(p.bin, p.args()...)
	cmd.Dir = p.dir
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("redistest: starting %s: %v", p.bin, err)
	}
	p.cmd = cmd
	deadline := time.Now().Add(startWait)
	for {
		if r, err := DoString(p.Addr(), "PING"); err == nil && r == "PONG" {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(p.dir, "redis.log"))
			p.t.Fatalf("redistest: %s on %s did not answer PING within %v; its log:\n%s", p.bin, p.Addr(), startWait, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill9 kills the process with SIGKILL (no save, no goodbye to replicas) and
// waits for it. It reports whether the process was running.
func (p *proc) kill9() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
	p.cmd = nil
	return true
}

// running reports whether the process was started and not killed.
func (p *proc) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil
}

// newProc makes (without starting) a process on a free port with its own
// directory, killed when the test ends.
func newProc(t testing.TB, bin string) *proc {
	dir := t.TempDir()
	p := &proc{t: t, bin: bin, dir: dir, port: freePort(t)}
	t.Cleanup(func() { p.kill9() })
	return p
}

// serverArgs are the common arguments of a redis-server in a harness: no
// persistence, loopback only, DEBUG allowed (DEBUG SLEEP stalls it), a log
// file in its directory.
func (p *proc) serverArgs(extra ...string) []string {
	return append([]string{
		"--port", strconv.Itoa(p.port), "--bind", "127.0.0.1",
		"--dir", p.dir, "--save", "", "--appendonly", "no", "--enable-debug-command", "local",
		"--logfile", filepath.Join(p.dir, "redis.log"),
	}, extra...)
}

// requireBinaries skips t (fails it with SSEHUB_REQUIRE_REDIS set) unless
// every named program is on PATH.
func requireBinaries(t testing.TB, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			if os.Getenv(RequireEnv) != "" {
				t.Fatalf("%s is not installed (%v) and %s is set: install the Debian packages redis-server and redis-sentinel", name, err, RequireEnv)
			}
			t.Skipf("SKIPPED, NOT PASSED: %s is not on PATH (%v). Install the Debian packages redis-server and redis-sentinel to run these tests; CI sets %s so that they cannot be skipped there.", name, err, RequireEnv)
		}
	}
}

// waitFor polls cond every 50 ms until it returns "" (done) or the deadline
// passes, then fails t with the last reason cond gave.
func waitFor(t testing.TB, within time.Duration, what string, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		why := cond()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: %s not within %v: %s", what, within, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signal sends sig to the running process; it reports whether it runs.
func (p *proc) signal(sig syscall.Signal) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	return p.cmd.Process.Signal(sig) == nil
}
