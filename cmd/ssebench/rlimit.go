package main

import "syscall"

// raiseNoFile raises the soft RLIMIT_NOFILE to the hard limit and returns the
// limit now in force.
func raiseNoFile() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, err
		}
	}
	return lim.Cur, nil
}

// fdReserve is how many descriptors the tool keeps for itself beyond its
// streams: publishing connections (up to maxPacedPublishers), /proc reads,
// standard streams.
const fdReserve = 400
