//go:build !unix

package plugins

import "os"

// killGroup kills the plugin.
func killGroup(proc *os.Process) error { return proc.Kill() }
