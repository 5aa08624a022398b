package redistest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// MasterName is the name the sentinels of [StartSentinel] monitor the
// primary under (ssehub's -redis-master).
const MasterName = "ssehub"

// Bounds of the Sentinel harness's waits. Sentinels discover each other and
// the replicas by hello messages every 2 s; a failover with
// down-after-milliseconds 1000 takes about 5-6 s on loopback.
const (
	sentinelDiscoveryWait = 20 * time.Second
	replicationWait       = 10 * time.Second
)

// A Sentinel is a primary with replicas, monitored by redis-sentinel
// processes, all killed when the test ends.
type Sentinel struct {
	t testing.TB
	// MasterName is the name the sentinels monitor the primary under.
	MasterName string
	servers    []*proc // the initial primary first
	sentinels  []*proc
}

// StartSentinel starts a primary, replicas redis-servers replicating it and
// sentinels redis-sentinel processes (quorum 2, down-after-milliseconds
// 1000, failover-timeout 5000), and waits until the sentinels know each
// other and every replica. It skips t (fails it, with SSEHUB_REQUIRE_REDIS
// set) when redis-server or redis-sentinel is missing.
func StartSentinel(t testing.TB, replicas, sentinels int) *Sentinel {
	t.Helper()
	requireBinaries(t, "redis-server", "redis-sentinel")
	s := &Sentinel{t: t, MasterName: MasterName}
	primary := newProc(t, "redis-server")
	primary.args = func() []string { return primary.serverArgs() }
	primary.start()
	s.servers = append(s.servers, primary)
	for range replicas {
		r := newProc(t, "redis-server")
		r.args = func() []string {
			return r.serverArgs("--replicaof", "127.0.0.1", strconv.Itoa(primary.port))
		}
		r.start()
		s.servers = append(s.servers, r)
	}
	s.waitReplicas(primary.Addr(), replicas)
	for range sentinels {
		s.sentinels = append(s.sentinels, s.startSentinelProc(primary.port))
	}
	s.waitDiscovery(replicas, sentinels)
	return s
}

// startSentinelProc starts one redis-sentinel with its own writable config
// file (a sentinel rewrites it as it learns).
func (s *Sentinel) startSentinelProc(primaryPort int) *proc {
	p := newProc(s.t, "redis-sentinel")
	conf := filepath.Join(p.dir, "sentinel.conf")
	text := fmt.Sprintf(`port %d
bind 127.0.0.1
dir %s
logfile %s
sentinel monitor %s 127.0.0.1 %d 2
sentinel down-after-milliseconds %[4]s 1000
sentinel failover-timeout %[4]s 5000
sentinel parallel-syncs %[4]s 1
`, p.port, p.dir, filepath.Join(p.dir, "redis.log"), s.MasterName, primaryPort)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		s.t.Fatal(err)
	}
	p.args = func() []string { return []string{conf} }
	p.start()
	return p
}

// waitReplicas waits until the primary at addr has n replicas online.
func (s *Sentinel) waitReplicas(addr string, n int) {
	s.t.Helper()
	waitFor(s.t, replicationWait, "replicas in sync with "+addr, func() string {
		info, err := DoString(addr, "INFO", "replication")
		if err != nil {
			return err.Error()
		}
		if got := strings.Count(info, "state=online"); got != n {
			return fmt.Sprintf("%d replicas online: %s", got, info)
		}
		return ""
	})
}

// waitDiscovery waits until every sentinel knows the replicas and the other
// sentinels: before that, a failover could lack its quorum.
func (s *Sentinel) waitDiscovery(replicas, sentinels int) {
	s.t.Helper()
	for _, p := range s.sentinels {
		waitFor(s.t, sentinelDiscoveryWait, "sentinel "+p.Addr()+" discovering its peers", func() string {
			m, err := s.masterState(p.Addr())
			if err != nil {
				return err.Error()
			}
			if m["num-slaves"] != strconv.Itoa(replicas) || m["num-other-sentinels"] != strconv.Itoa(sentinels-1) {
				return fmt.Sprintf("num-slaves=%s num-other-sentinels=%s", m["num-slaves"], m["num-other-sentinels"])
			}
			return ""
		})
	}
}

// masterState is SENTINEL MASTER as a map.
func (s *Sentinel) masterState(addr string) (map[string]string, error) {
	r, err := Do(addr, "SENTINEL", "MASTER", s.MasterName)
	if err != nil {
		return nil, err
	}
	return pairs(r), nil
}

// SentinelAddrs are the sentinels' host:port (ssehub's -redis-sentinel).
func (s *Sentinel) SentinelAddrs() []string {
	var out []string
	for _, p := range s.sentinels {
		out = append(out, p.Addr())
	}
	return out
}

// Primary is the primary's host:port as a running sentinel sees it.
func (s *Sentinel) Primary() string {
	s.t.Helper()
	var last error
	for _, p := range s.sentinels {
		if !p.running() {
			continue
		}
		addr, err := s.askPrimary(p.Addr())
		if err == nil {
			return addr
		}
		last = err
	}
	s.t.Fatalf("redistest: no sentinel names the primary: %v", last)
	return ""
}

func (s *Sentinel) askPrimary(sentinel string) (string, error) {
	r, err := Do(sentinel, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", s.MasterName)
	if err != nil {
		return "", err
	}
	a, ok := r.([]any)
	if !ok || len(a) != 2 {
		return "", fmt.Errorf("get-master-addr-by-name: %v", r)
	}
	return net.JoinHostPort(fmt.Sprint(a[0]), fmt.Sprint(a[1])), nil
}

// Replicas are the host:port of the running servers that are not the
// primary.
func (s *Sentinel) Replicas() []string {
	primary := s.Primary()
	var out []string
	for _, p := range s.servers {
		if p.running() && p.Addr() != primary {
			out = append(out, p.Addr())
		}
	}
	return out
}

// server returns the harness's redis-server at addr.
func (s *Sentinel) server(addr string) *proc {
	s.t.Helper()
	for _, p := range s.servers {
		if p.Addr() == addr {
			return p
		}
	}
	s.t.Fatalf("redistest: no redis-server of this harness at %s", addr)
	return nil
}

// Kill9Primary kills the current primary with SIGKILL and returns its
// address. Whatever its replicas had not received is lost.
func (s *Sentinel) Kill9Primary() string {
	s.t.Helper()
	addr := s.Primary()
	if !s.server(addr).kill9() {
		s.t.Fatalf("redistest: primary %s was not running", addr)
	}
	return addr
}

// FreezePrimary stops the current primary with SIGSTOP and returns its
// address: a hung primary, not a dead one. Its connections stay open and
// its kernel still accepts what clients write, but nothing answers, until
// Thaw (or the test's end, which kills it).
func (s *Sentinel) FreezePrimary() string {
	s.t.Helper()
	addr := s.Primary()
	if !s.server(addr).signal(syscall.SIGSTOP) {
		s.t.Fatalf("redistest: primary %s was not running", addr)
	}
	return addr
}

// Thaw resumes the redis-server at addr stopped by FreezePrimary. It wakes
// up as the primary it was, until the sentinels turn it into a replica.
func (s *Sentinel) Thaw(addr string) {
	s.t.Helper()
	if !s.server(addr).signal(syscall.SIGCONT) {
		s.t.Fatalf("redistest: %s was not running", addr)
	}
}

// Restart starts the killed redis-server at addr again, empty (the harness
// keeps nothing on disk). The sentinels turn it into a replica of the
// current primary.
func (s *Sentinel) Restart(addr string) {
	s.t.Helper()
	s.server(addr).start()
}

// WaitFailover waits until every running sentinel names a primary other
// than old and that server answers as a master, and returns its address.
//
// A sentinel whose clock or event loop jumped (a machine too busy to run it
// for a couple of seconds) enters TILT mode for 30 s and starts no
// failover meanwhile: give within room for that. On a timeout the
// sentinels' logs say whether it happened.
func (s *Sentinel) WaitFailover(old string, within time.Duration) string {
	s.t.Helper()
	var primary string
	s.t.Cleanup(func() {
		if s.t.Failed() {
			s.t.Logf("redistest: the sentinels' logs, last lines:\n%s", s.sentinelLogs(15))
		}
	})
	waitFor(s.t, within, "failover away from "+old, func() string {
		primary = ""
		for _, p := range s.sentinels {
			if !p.running() {
				continue
			}
			addr, err := s.askPrimary(p.Addr())
			if err != nil {
				return err.Error()
			}
			if addr == old || (primary != "" && addr != primary) {
				return fmt.Sprintf("sentinel %s names %s", p.Addr(), addr)
			}
			primary = addr
		}
		info, err := DoString(primary, "INFO", "replication")
		if err != nil {
			return err.Error()
		}
		if role := infoField(info, "role"); role != "master" {
			return primary + " has role " + role
		}
		return ""
	})
	return primary
}

// pairs turns a flat [key, value, ...] reply into a map.
func pairs(r any) map[string]string {
	m := map[string]string{}
	a, _ := r.([]any)
	for i := 0; i+1 < len(a); i += 2 {
		m[fmt.Sprint(a[i])] = fmt.Sprint(a[i+1])
	}
	return m
}

// WaitReplicated waits until every replica online has everything the
// primary has (their offsets equal its master_repl_offset), so that a
// kill -9 of the primary then loses nothing.
func (s *Sentinel) WaitReplicated() {
	s.t.Helper()
	primary := s.Primary()
	waitFor(s.t, replicationWait, "the replicas catching up with "+primary, func() string {
		info, err := DoString(primary, "INFO", "replication")
		if err != nil {
			return err.Error()
		}
		want := infoField(info, "master_repl_offset")
		for _, line := range strings.Split(info, "\n") {
			if strings.HasPrefix(line, "slave") && strings.Contains(line, "state=") &&
				!strings.Contains(line, "offset="+want+",") {
				return fmt.Sprintf("master_repl_offset %s, %s", want, strings.TrimSpace(line))
			}
		}
		return ""
	})
}

// PauseReplicas makes every replica stop applying what the primary sends
// for d (CLIENT PAUSE WRITE pauses a replica's master link too), while they
// still answer the sentinels. Writes acknowledged by the primary meanwhile
// are on the primary alone: kill it then (Kill9Primary), and a replica is
// promoted without them, as after an asynchronous replication that lagged.
// A promoted replica takes writes once d has passed.
func (s *Sentinel) PauseReplicas(d time.Duration) {
	s.t.Helper()
	for _, r := range s.Replicas() {
		if _, err := Do(r, "CLIENT", "PAUSE", strconv.FormatInt(d.Milliseconds(), 10), "WRITE"); err != nil {
			s.t.Fatalf("redistest: CLIENT PAUSE WRITE on the replica %s: %v", r, err)
		}
	}
}

// Failover asks a sentinel for a failover (SENTINEL FAILOVER: the primary
// keeps running and becomes a replica of the one promoted), waits until it
// is done, the old primary a replica, and returns the new primary. Until
// the old primary is converted it still takes writes, which its conversion
// then discards: Redis's window of loss in a failover by hand.
func (s *Sentinel) Failover(within time.Duration) string {
	s.t.Helper()
	old := s.Primary()
	if _, err := Do(s.sentinels[0].Addr(), "SENTINEL", "FAILOVER", s.MasterName); err != nil {
		s.t.Fatalf("redistest: SENTINEL FAILOVER: %v", err)
	}
	primary := s.WaitFailover(old, within)
	waitFor(s.t, within, "the old primary "+old+" becoming a replica", func() string {
		info, err := DoString(old, "INFO", "replication")
		if err != nil {
			return err.Error()
		}
		if role := infoField(info, "role"); role != "slave" {
			return "role " + role
		}
		return ""
	})
	return primary
}

// sentinelLogs returns the last n lines of each sentinel's log.
func (s *Sentinel) sentinelLogs(n int) string {
	var b strings.Builder
	for _, p := range s.sentinels {
		log, _ := os.ReadFile(filepath.Join(p.dir, "redis.log"))
		lines := strings.Split(strings.TrimSpace(string(log)), "\n")
		fmt.Fprintf(&b, "-- sentinel %s\n%s\n", p.Addr(), strings.Join(lines[max(0, len(lines)-n):], "\n"))
	}
	return b.String()
}
