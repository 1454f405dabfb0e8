//go:build unix

package sdk

import (
	"os"
	"time"
)

// watchParentProcess calls gone when this process's parent changes: the
// host died and the process was handed to init or a subreaper.
func watchParentProcess(gone func()) {
	ppid := os.Getppid()
	if ppid <= 1 {
		return // started by init: there is no host to watch
	}
	go func() {
		for range time.Tick(500 * time.Millisecond) {
			if os.Getppid() != ppid {
				gone()
				return
			}
		}
	}()
}
