//go:build unix

package state

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used, all threads together
// (SQLite runs on the calling thread, outside the Go scheduler's view).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
