package plan

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultMaxSkipped is how many skipped records per outcome the text
// rendering lists before it says how many more there are.
const DefaultMaxSkipped = 20

// TextOptions tune the human rendering.
type TextOptions struct {
	// Color adds ANSI colours. Set it only when the output is a terminal
	// (the caller knows; this package does not look).
	Color bool
	// Verbose lists every skipped record.
	Verbose bool
	// MaxSkipped caps the skipped records listed per outcome when not
	// Verbose; 0 means DefaultMaxSkipped.
	MaxSkipped int
}

// ANSI styles.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiDim     = "\x1b[2m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiBoldRed = "\x1b[1;31m"
)

var actionSymbols = [...]string{Add: "+", Update: "~", Remove: "-", Delete: "!"}
var actionStyles = [...]string{Add: ansiGreen, Update: ansiYellow, Remove: ansiRed, Delete: ansiBoldRed}

var outcomeLabels = [...]string{Rejected: "rejected", Duplicate: "duplicate", Excluded: "excluded", OverQuota: "over quota"}

// WriteText writes p for people, in the manner of a Terraform plan:
//
//	Pipeline newsletter (plan 3f2a…, state serial 7)
//
//	  + add alice@example.com [source 1001]
//	      email: "alice@example.com"
//	  ~ update bob@example.com [source 1002]
//	      name: "Bob" → "Robert"
//	  - remove carol@example.com (left the selection) [source 1003]
//	  ! delete dave@example.com (source record deleted) [source 1004]
//
//	Skipped:
//	  rejected (1):
//	    (no key) [source 1005]: email is empty
//
//	Plan: 1 to add, 1 to update, 1 to remove, 1 to delete. 5 unchanged, …
//
// or "No changes. <pipeline> is up to date." and the counts when nothing
// changes. Skipped records are listed per outcome, at most opts.MaxSkipped
// of each unless opts.Verbose. Every piece of data is escaped: values are
// quoted like strconv.Quote, and keys, ids and reasons show control and
// format characters as escapes, so nothing in the data can drive the
// terminal. Entries appear in plan order whatever the order of p's slices.
func WriteText(w io.Writer, p *Plan, opts TextOptions) error {
	t := textWriter{w: bufio.NewWriterSize(w, 64<<10), color: opts.Color}
	t.plan(p, opts)
	return t.w.Flush()
}

type textWriter struct {
	w     *bufio.Writer
	color bool
	line  []byte // scratch
}

func (t *textWriter) style(b []byte, style, s string) []byte {
	if !t.color {
		return append(b, s...)
	}
	b = append(b, style...)
	b = append(b, s...)
	return append(b, ansiReset...)
}

func (t *textWriter) emit(b []byte) {
	b = append(b, '\n')
	t.w.Write(b) // a bufio.Writer keeps its first error for Flush
	t.line = b[:0]
}

func (t *textWriter) plan(p *Plan, opts TextOptions) {
	// Header.
	b := t.line[:0]
	if t.color {
		b = append(b, ansiBold...)
	}
	b = append(b, "Pipeline "...)
	b = appendBare(b, p.Pipeline)
	var details []string
	if p.ID != "" {
		details = append(details, "plan "+string(appendBare(nil, p.ID)))
	}
	details = append(details, "state serial "+strconv.FormatInt(p.StateSerial, 10))
	b = append(b, " ("...)
	b = append(b, strings.Join(details, ", ")...)
	b = append(b, ')')
	if t.color {
		b = append(b, ansiReset...)
	}
	t.emit(b)

	// Changes.
	if len(p.Changes) > 0 {
		t.emit(t.line[:0])
		for _, c := range sortedChanges(p.Changes) {
			t.change(&c)
		}
	}

	// Skipped records, grouped by outcome.
	if len(p.Skipped) > 0 {
		t.emit(t.line[:0])
		t.emit(t.style(t.line[:0], ansiBold, "Skipped:"))
		limit := opts.MaxSkipped
		if limit <= 0 {
			limit = DefaultMaxSkipped
		}
		ss := sortedSkipped(p.Skipped)
		for i := 0; i < len(ss); {
			o := ss[i].Outcome
			j := i
			for j < len(ss) && ss[j].Outcome == o {
				j++
			}
			t.outcome(o, ss[i:j], limit, opts.Verbose)
			i = j
		}
	}

	// Warnings.
	if len(p.Warnings) > 0 {
		t.emit(t.line[:0])
		for _, w := range p.Warnings {
			b := t.style(t.line[:0], ansiYellow, "Warning:")
			b = append(b, ' ')
			b = appendEscaped(b, w)
			t.emit(b)
		}
	}

	// Summary.
	s := &p.Summary
	t.emit(t.line[:0])
	b = t.line[:0]
	if p.HasChanges() {
		b = t.style(b, ansiBold, "Plan:")
		b = fmt.Appendf(b, " %d to add, %d to update, %d to remove, %d to delete. ", s.Add, s.Update, s.Remove, s.Delete)
		b = appendCounts(b, s)
		t.emit(b)
	} else {
		b = t.style(b, ansiBold, "No changes.")
		b = append(b, ' ')
		b = appendBare(b, p.Pipeline)
		b = append(b, " is up to date."...)
		t.emit(b)
		t.emit(appendCounts(t.line[:0], s))
	}

	if g := p.GuardBreach; g != nil {
		t.emit(t.line[:0])
		b = t.style(t.line[:0], ansiBoldRed, "Guard:")
		b = fmt.Appendf(b, " this plan removes or deletes %d members, more than guard.max_removals allows (%d of %d on the list). Apply refuses it unless removals are allowed (-allow-removals).",
			g.Removals, g.Limit, g.ListSize)
		t.emit(b)
	}
}

func appendCounts(b []byte, s *Summary) []byte {
	return fmt.Appendf(b, "%d unchanged, %d excluded, %d rejected, %d duplicate, %d over quota (read %d, selected %d, unmatched %d).",
		s.Unchanged, s.Excluded, s.Rejected, s.Duplicate, s.OverQuota, s.Read, s.Selected, s.Unmatched)
}

func (t *textWriter) change(c *Change) {
	b := append(t.line[:0], "  "...)
	if c.Action.valid() {
		b = t.style(b, actionStyles[c.Action], actionSymbols[c.Action]+" "+c.Action.String())
	} else {
		b = append(b, "? "...)
		b = append(b, c.Action.String()...)
	}
	b = append(b, ' ')
	b = appendBare(b, c.Key)
	if c.Reason != "" {
		b = append(b, " ("...)
		b = appendEscaped(b, c.Reason)
		b = append(b, ')')
	}
	b = t.source(b, c.SourceID)
	t.emit(b)

	if len(c.Fields) > 0 {
		keys := make([]string, 0, len(c.Fields))
		for k := range c.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b := append(t.line[:0], "      "...)
			b = appendBare(b, k)
			b = append(b, ": "...)
			b = c.Fields[k].appendText(b)
			t.emit(b)
		}
	}
	for _, f := range sortedDiff(c.Diff) {
		b := append(t.line[:0], "      "...)
		b = appendBare(b, f.Field)
		b = append(b, ": "...)
		b = f.Before.appendText(b)
		b = append(b, " → "...)
		b = f.After.appendText(b)
		t.emit(b)
	}
}

func (t *textWriter) source(b []byte, id string) []byte {
	if id == "" {
		return b
	}
	b = append(b, ' ')
	if t.color {
		b = append(b, ansiDim...)
	}
	b = append(b, "[source "...)
	b = appendBare(b, id)
	b = append(b, ']')
	if t.color {
		b = append(b, ansiReset...)
	}
	return b
}

func (t *textWriter) outcome(o Outcome, ss []Skipped, limit int, verbose bool) {
	label := o.String()
	if o.valid() {
		label = outcomeLabels[o]
	}
	b := append(t.line[:0], "  "...)
	b = t.style(b, ansiBold, label)
	b = fmt.Appendf(b, " (%d):", len(ss))
	t.emit(b)
	shown := ss
	if !verbose && len(ss) > limit {
		shown = ss[:limit]
	}
	for i := range shown {
		s := &shown[i]
		b := append(t.line[:0], "    "...)
		if s.Key == "" {
			b = append(b, "(no key)"...)
		} else {
			b = appendBare(b, s.Key)
		}
		b = t.source(b, s.SourceID)
		if s.Reason != "" || s.Winner != "" {
			b = append(b, ':')
		}
		if s.Reason != "" {
			b = append(b, ' ')
			b = appendEscaped(b, s.Reason)
		}
		if s.Winner != "" {
			b = append(b, " (winner: source "...)
			b = appendBare(b, s.Winner)
			b = append(b, ')')
		}
		t.emit(b)
	}
	if n := len(ss) - len(shown); n > 0 {
		t.emit(fmt.Appendf(t.line[:0], "    … and %d more", n))
	}
}

// appendBare appends s as is when it is a plain token (printable, no
// space, no quote or bracket) and quoted otherwise, so that an odd key can
// be told apart from the text around it.
func appendBare(b []byte, s string) []byte {
	if s == "" {
		return append(b, `""`...)
	}
	for _, r := range s {
		switch {
		case r == utf8.RuneError, !unicode.IsPrint(r), unicode.IsSpace(r),
			strings.ContainsRune(`"\()[]`, r):
			return strconv.AppendQuote(b, s)
		}
	}
	return append(b, s...)
}

// appendEscaped appends free text (a reason, a warning): printable
// characters and spaces as they are, anything else as a Go escape.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, '\\', 'x', hexDigits[s[i]>>4], hexDigits[s[i]&0xf])
		case unicode.IsPrint(r):
			b = append(b, s[i:i+size]...)
		default:
			q := strconv.QuoteRune(r) // '\x1b', '\u202e'
			b = append(b, q[1:len(q)-1]...)
		}
		i += size
	}
	return b
}
