//go:build unix

package plugins

import (
	"os"
	"syscall"
)

// killGroup kills the plugin's process group: the plugin and whatever it
// started.
func killGroup(proc *os.Process) error {
	if err := syscall.Kill(-proc.Pid, syscall.SIGKILL); err != nil {
		return proc.Kill()
	}
	return nil
}
