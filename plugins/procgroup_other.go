//go:build !unix

package plugins

import "syscall"

// procGroup: no process groups here.
func procGroup() *syscall.SysProcAttr { return nil }
