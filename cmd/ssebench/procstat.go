package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// readVmRSS returns the resident set size of process pid ("self" when pid is
// 0) in KiB, from /proc/<pid>/status.
func readVmRSS(pid int) (int64, error) {
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

// procCPU returns the user plus system CPU time process pid has used, from
// /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, error) {
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

// selfCPU returns the user plus system CPU time of this process.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMeter measures the CPU time this process and the server use in a phase.
type cpuMeter struct {
	pid       int
	self, srv time.Duration
	srvOK     bool
	wall0     time.Time
}

func startCPU(pid int) cpuMeter {
	m := cpuMeter{pid: pid, self: selfCPU(), wall0: time.Now()}
	if pid > 0 {
		t, err := procCPU(pid)
		m.srv, m.srvOK = t, err == nil
	}
	return m
}

// stop returns the CPU seconds used since start by the tool and by the
// server (negative when unknown), and the wall seconds.
func (m cpuMeter) stop() (self, server, wall float64) {
	self = (selfCPU() - m.self).Seconds()
	server = -1
	if m.srvOK {
		if t, err := procCPU(m.pid); err == nil {
			server = (t - m.srv).Seconds()
		}
	}
	return self, server, time.Since(m.wall0).Seconds()
}
