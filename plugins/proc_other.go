//go:build !linux

package plugins

import (
	"runtime"
	"syscall"
)

// sysProcAttr has no parent-death signal here: the plugin watches its
// standard input and its parent instead.
func sysProcAttr() *syscall.SysProcAttr { return procGroup() }

// removeWhileRunning: Windows keeps a running binary's file.
const removeWhileRunning = runtime.GOOS != "windows"

// textBusy reports whether starting failed because the binary was still
// open for writing somewhere.
func textBusy(err error) bool { return false }
