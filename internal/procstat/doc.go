// Package procstat reads what a process costs from /proc (Linux): its
// resident memory (VmRSS) and the CPU time it used, and measures the CPU
// time of this process and others over a phase ([Meter]). The load tool,
// cmd/ssebench, imports it to report the hub's and its own memory and CPU.
package procstat
