//go:build unix && !linux

package plugins

import "syscall"

// procGroup makes the plugin lead a process group of its own (see
// killGroup).
func procGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
