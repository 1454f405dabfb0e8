package plugins

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNoOrphans kills a host with SIGKILL and checks that its plugin goes
// too: by the parent-death signal, and by the plugin's own watch of its
// parent when there is no such signal.
func TestNoOrphans(t *testing.T) {
	for _, mode := range []string{"host", "host-watch"} {
		t.Run(mode, func(t *testing.T) {
			host := exec.Command(self(t))
			host.Env = append(os.Environ(), envMode+"="+mode)
			out, err := host.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := host.Start(); err != nil {
				t.Fatal(err)
			}
			defer host.Process.Kill()
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid ")))
			if err != nil {
				t.Fatalf("the host said %q", line)
			}
			if !alive(pid) {
				t.Fatal("the plugin is not running")
			}
			host.Process.Signal(syscall.SIGKILL)
			host.Wait()
			deadline := time.Now().Add(5 * time.Second)
			for alive(pid) {
				if time.Now().After(deadline) {
					syscall.Kill(pid, syscall.SIGKILL)
					t.Fatalf("the plugin %d outlived its host", pid)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// alive reports whether pid runs (a zombie waiting for init does not).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && len(s) > i+2 && s[i+2] != 'Z' && s[i+2] != 'X'
}
