package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ErrChecksum is wrapped by the error of starting a plugin whose binary
// does not have the sha256 its plugin block pins.
var ErrChecksum = errors.New("the plugin binary does not have the pinned sha256")

// parentDeathSignal is turned off by tests of the plugin's own watch of
// its parent (it only has effect where there is such a signal).
var parentDeathSignal = true

// afterVerify, when set (by tests), runs between the verification of the
// private copy and its start.
var afterVerify func()

// privateCopy copies the binary at path into a new directory only this
// user can enter, hashes the copy and compares it with want (lower-case
// hex). It returns the copy's path and its directory, which the caller
// removes. The copy, not path, is what runs: replacing the file at path
// after the check changes nothing.
func privateCopy(path, want string, dir string) (string, string, error) {
	src, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer src.Close()
	if st, err := src.Stat(); err != nil {
		return "", "", err
	} else if !st.Mode().IsRegular() {
		return "", "", fmt.Errorf("%s is not a regular file", path)
	}
	tmp, err := os.MkdirTemp(dir, "sluice-plugin-")
	if err != nil {
		return "", "", fmt.Errorf("making a private directory for the plugin: %w", err)
	}
	if err := os.Chmod(tmp, 0o700); err != nil {
		os.RemoveAll(tmp)
		return "", "", err
	}
	exe := filepath.Join(tmp, filepath.Base(path))
	dst, err := os.OpenFile(exe, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o700)
	if err == nil {
		_, err = io.Copy(dst, src)
		if serr := dst.Sync(); err == nil {
			err = serr
		}
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		os.RemoveAll(tmp)
		return "", "", fmt.Errorf("copying the plugin binary: %w", err)
	}
	got, err := fileSHA256(exe)
	if err != nil {
		os.RemoveAll(tmp)
		return "", "", err
	}
	if got != want {
		os.RemoveAll(tmp)
		return "", "", fmt.Errorf("%w: the sha256 of %s is %s, but the plugin block pins %s. If the binary was updated on purpose, pin its new sha256 (sha256sum %s)",
			ErrChecksum, path, got, want, path)
	}
	return exe, tmp, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// process runs a plugin binary for go-plugin (it is go-plugin's
// runner.Runner). Unlike go-plugin's own runner, it gives the plugin a
// standard input that is a pipe only the host holds (the host's own
// input stays the host's; the pipe's end tells the plugin the host is
// gone), sets the parent-death signal where there is one, and keeps the
// exit status for error messages.
type process struct {
	name    string
	path    string
	args    []string
	env     []string
	dir     string
	copyDir string // the private copy's directory, removed once started
	// socketDir holds the Unix socket the plugin listens on, removed once
	// connected (a connected socket works on without its path).
	socketDir string

	cmd            *exec.Cmd
	stdout, stderr *os.File
	parentPipe     *os.File // the write end of the plugin's stdin

	exited  chan struct{}
	waitErr error
	once    sync.Once
}

func (p *process) Start(ctx context.Context) error {
	var err error
	for attempt := 0; ; attempt++ {
		err = p.start()
		// A copy just written may be busy for a moment when another
		// goroutine forks meanwhile (the child holds the write descriptor
		// until it execs).
		if !textBusy(err) || attempt >= 20 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
	return err
}

// tidy removes what the start needed once the host is connected: the
// private copy (a script's interpreter opens the script after the start,
// so this waits for the handshake; the running process keeps its open
// file) and the socket's directory.
func (p *process) tidy() {
	if p.copyDir != "" && removeWhileRunning {
		os.RemoveAll(p.copyDir)
		p.copyDir = ""
	}
	if p.socketDir != "" {
		os.RemoveAll(p.socketDir)
	}
}

func (p *process) start() error {
	outR, outW, err := os.Pipe()
	if err != nil {
		return err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return err
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		errR.Close()
		errW.Close()
		return err
	}
	cmd := exec.Command(p.path, p.args...)
	cmd.Env, cmd.Dir = p.env, p.dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	cmd.SysProcAttr = sysProcAttr()
	err = cmd.Start()
	// The child has its own copies; the host keeps the read ends of its
	// output and the write end of its input.
	outW.Close()
	errW.Close()
	inR.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		inW.Close()
		return err
	}
	p.cmd, p.stdout, p.stderr, p.parentPipe = cmd, outR, errR, inW
	p.exited = make(chan struct{})
	return nil
}

func (p *process) Wait(ctx context.Context) error {
	p.once.Do(func() {
		p.waitErr = p.cmd.Wait()
		p.parentPipe.Close()
		if p.copyDir != "" {
			os.RemoveAll(p.copyDir)
		}
		if p.socketDir != "" {
			os.RemoveAll(p.socketDir)
		}
		close(p.exited)
	})
	<-p.exited
	return p.waitErr
}

func (p *process) Kill(ctx context.Context) error {
	if p.cmd == nil || p.cmd.Process == nil {
		return nil
	}
	select {
	case <-p.exited:
		return nil // reaped: its pid may belong to another process by now
	default:
	}
	if err := killGroup(p.cmd.Process); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

// exitStatus describes how the process ended, once it has.
func (p *process) exitStatus() string {
	if p.waitErr == nil {
		return "it exited"
	}
	var ee *exec.ExitError
	if errors.As(p.waitErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "it was ended by a signal (" + ws.Signal().String() + ")"
		}
		return "it exited with status " + strconv.Itoa(ee.ExitCode())
	}
	return p.waitErr.Error()
}

// hasExited reports whether the process ended, waiting up to d for it.
func (p *process) hasExited(d time.Duration) bool {
	if p.exited == nil {
		return false
	}
	select {
	case <-p.exited:
		return true
	default:
	}
	if d <= 0 {
		return false
	}
	select {
	case <-p.exited:
		return true
	case <-time.After(d):
		return false
	}
}

func (p *process) pid() int {
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

func (p *process) Stdout() io.ReadCloser { return p.stdout }
func (p *process) Stderr() io.ReadCloser { return p.stderr }
func (p *process) Name() string          { return p.name }
func (p *process) ID() string {
	if pid := p.pid(); pid != 0 {
		return strconv.Itoa(pid)
	}
	return ""
}

func (p *process) Diagnose(ctx context.Context) string { return "" }

func (p *process) PluginToHost(network, addr string) (string, string, error) {
	return network, addr, nil
}

func (p *process) HostToPlugin(network, addr string) (string, string, error) {
	return network, addr, nil
}
