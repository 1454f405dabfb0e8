package plugins

import (
	"errors"
	"syscall"
)

// sysProcAttr kills the plugin when the host dies, however it dies. (The
// kernel sends the signal when the thread that started the plugin ends;
// a Go program's threads end with it, or when a goroutine exits while
// locked to one, which the host does not do while starting plugins.)
//
// The plugin leads a process group of its own, so that killing it kills
// what it started too, and a Ctrl-C at the terminal reaches sluice, which
// ends its plugins, rather than the plugins directly.
func sysProcAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	if parentDeathSignal {
		a.Pdeathsig = syscall.SIGKILL
	}
	return a
}

// removeWhileRunning: a running binary's file may be removed.
const removeWhileRunning = true

// textBusy reports whether starting failed because the binary was still
// open for writing somewhere.
func textBusy(err error) bool { return errors.Is(err, syscall.ETXTBSY) }
