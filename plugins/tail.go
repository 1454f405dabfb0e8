package plugins

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
)

// tail keeps the last lines written to it, for error messages, and copies
// everything to an optional writer.
type tail struct {
	mu      sync.Mutex
	max     int
	lines   []string
	partial []byte
	// After the first line of a Go panic or fatal error, only a few lines
	// of its stack trace are kept, so that the lines before it, which
	// often say what went wrong, stay.
	panicked bool
	after    int // lines kept since
	dropped  int // lines dropped since
	copy     io.Writer
}

const (
	tailLines   = 20
	tailLineMax = 500 // bytes kept of a long line
	tailTrace   = 8   // lines kept of a panic's stack trace
)

func newTail(copy io.Writer) *tail { return &tail{max: tailLines, copy: copy} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.copy != nil {
		t.copy.Write(p)
	}
	rest := p
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			if len(t.partial) < tailLineMax {
				t.partial = append(t.partial, rest[:min(len(rest), tailLineMax-len(t.partial))]...)
			}
			break
		}
		if len(t.partial) < tailLineMax {
			t.partial = append(t.partial, rest[:min(i, tailLineMax-len(t.partial))]...)
		}
		t.push(string(t.partial))
		t.partial = t.partial[:0]
		rest = rest[i+1:]
	}
	return len(p), nil
}

func (t *tail) push(line string) {
	line = strings.TrimRight(line, "\r")
	if strings.TrimSpace(line) == "" {
		return
	}
	switch {
	case !t.panicked && (strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ")):
		t.panicked = true
	case t.panicked && t.after >= tailTrace:
		t.dropped++
		return
	case t.panicked:
		t.after++
	}
	if len(t.lines) == t.max {
		copy(t.lines, t.lines[1:])
		t.lines = t.lines[:t.max-1]
	}
	t.lines = append(t.lines, line)
}

// String returns the last lines, each indented, or "" when there are none.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := t.lines
	if len(t.partial) > 0 {
		lines = append(lines[:len(lines):len(lines)], string(t.partial))
	}
	if len(lines) == 0 {
		return ""
	}
	if t.dropped > 0 {
		lines = append(lines[:len(lines):len(lines)], fmt.Sprintf("... (%d more lines)", t.dropped))
	}
	return "  " + strings.Join(lines, "\n  ")
}
