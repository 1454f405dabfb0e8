package cli

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress shows the progress of long work on a terminal: records,
// records per second and time elapsed, on one line rewritten in place.
// It prints nothing when its output is not a terminal (pipes, CI).
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	verb  string
	start time.Time
	last  time.Time
	shown bool
}

func newProgress(w io.Writer, on bool, verb string) *progress {
	now := time.Now()
	return &progress{w: w, on: on, verb: verb, start: now, last: now}
}

// update shows n items done (of total, when total > 0), at most 10 times a
// second.
func (p *progress) update(n int64, total int64) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	el := now.Sub(p.start)
	rate := float64(n) / max(el.Seconds(), 1e-3)
	of := ""
	if total > 0 {
		of = fmt.Sprintf(" of %d", total)
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s %d%s records (%.0f/s, %s)", p.verb, n, of, rate, el.Truncate(100*time.Millisecond))
	p.shown = true
}

// done clears the progress line.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
