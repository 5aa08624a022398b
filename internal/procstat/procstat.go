package procstat

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// VmRSS returns the resident set size of process pid ("self" when pid is
// 0) in KiB, from /proc/<pid>/status.
func VmRSS(pid int) (int64, error) {
	p := "self"
	if pid > 0 {
		p = strconv.Itoa(pid)
	}
	b, err := os.ReadFile("/proc/" + p + "/status")
	if err != nil {
		return 0, err
	}
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := strings.Fields(string(rest))
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%s/status: no VmRSS", p)
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times; 100 on Linux.
const clockTicks = 100

// CPU returns the user plus system CPU time process pid has used, from
// /proc/<pid>/stat.
func CPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces and parentheses: fields start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// SelfCPU returns the user plus system CPU time of this process.
func SelfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// VmRSSAll returns the VmRSS of each of pids, in KiB.
func VmRSSAll(pids []int) ([]int64, error) {
	out := make([]int64, len(pids))
	for i, pid := range pids {
		v, err := VmRSS(pid)
		if err != nil {
			return nil, fmt.Errorf("-pid %d: %v", pid, err)
		}
		out[i] = v
	}
	return out, nil
}

// Meter measures the CPU time this process and the server's processes
// (every node) use in a phase.
type Meter struct {
	pids  []int
	self  time.Duration
	srv   []time.Duration // per pid at the start
	srvOK bool            // every pid's CPU was read at the start
	wall0 time.Time
}

// StartMeter starts measuring the CPU time of this process and of pids.
func StartMeter(pids []int) Meter {
	m := Meter{pids: pids, self: SelfCPU(), wall0: time.Now(), srvOK: len(pids) > 0}
	for _, pid := range pids {
		t, err := CPU(pid)
		m.srv, m.srvOK = append(m.srv, t), m.srvOK && err == nil
	}
	return m
}

// Stop returns the CPU seconds used since start by the tool and by each
// server process (nil when any is unknown), and the wall seconds.
func (m Meter) Stop() (self float64, server []float64, wall float64) {
	self = (SelfCPU() - m.self).Seconds()
	if m.srvOK {
		server = make([]float64, len(m.pids))
		for i, pid := range m.pids {
			t, err := CPU(pid)
			if err != nil {
				server = nil
				break
			}
			server[i] = (t - m.srv[i]).Seconds()
		}
	}
	return self, server, time.Since(m.wall0).Seconds()
}
