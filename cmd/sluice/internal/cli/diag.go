package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// sortDiags orders diagnostics by file, then position; those without a
// subject come first. The order of a run is then stable.
func sortDiags(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		default:
			return a.Start.Byte < b.Start.Byte
		}
	})
}

const (
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiBold   = "\x1b[1m"
	ansiReset  = "\x1b[0m"
)

// writeDiags renders diagnostics for people: severity and summary, the
// place as file:line:column, the source line with a marker under the
// problem, then the detail.
func writeDiags(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, color bool) {
	for _, d := range diags {
		sev, col := "Error", ansiRed
		if d.Severity == hcl.DiagWarning {
			sev, col = "Warning", ansiYellow
		}
		if color {
			fmt.Fprintf(w, "%s%s%s: %s%s%s\n", ansiBold, col, sev, ansiReset+ansiBold, d.Summary, ansiReset)
		} else {
			fmt.Fprintf(w, "%s: %s\n", sev, d.Summary)
		}
		if d.Subject != nil {
			r := *d.Subject
			fmt.Fprintf(w, "\n  on %s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
			if ctx := blockContext(files, r); ctx != "" {
				fmt.Fprintf(w, ", in %s", ctx)
			}
			fmt.Fprintln(w, ":")
			if line, ok := sourceLine(files, r.Filename, r.Start.Line); ok {
				num := fmt.Sprintf("%4d: ", r.Start.Line)
				fmt.Fprintf(w, "%s%s\n", num, sanitize(line))
				start := r.Start.Column - 1
				end := r.End.Column - 1
				if r.End.Line != r.Start.Line || end <= start {
					end = utf8.RuneCountInString(line)
				}
				if end <= start {
					end = start + 1
				}
				fmt.Fprintf(w, "%s%s%s\n", strings.Repeat(" ", len(num)+start), "^", strings.Repeat("~", end-start-1))
			}
		}
		if d.Detail != "" {
			fmt.Fprintf(w, "\n%s\n", d.Detail)
		}
		fmt.Fprintln(w)
	}
}

// sanitize keeps control characters of a source line off the terminal.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' {
			return ' '
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}

func sourceLine(files map[string]*hcl.File, name string, line int) (string, bool) {
	f := files[name]
	if f == nil || line < 1 {
		return "", false
	}
	sc := bufio.NewScanner(bytes.NewReader(f.Bytes))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if n == line {
			return sc.Text(), true
		}
	}
	return "", false
}

// blockContext names the block around a range, such as pipeline "x".
func blockContext(files map[string]*hcl.File, r hcl.Range) string {
	f := files[r.Filename]
	if f == nil {
		return ""
	}
	blocks := f.OutermostBlockAtPos(r.Start)
	if blocks == nil {
		return ""
	}
	s := blocks.Type
	for _, l := range blocks.Labels {
		s += fmt.Sprintf(" %q", l)
	}
	return s
}

// jsonDiags is the -json form of a run's diagnostics.
type jsonDiags struct {
	FormatVersion string     `json:"format_version"`
	Valid         bool       `json:"valid"`
	ErrorCount    int        `json:"error_count"`
	WarningCount  int        `json:"warning_count"`
	Diagnostics   []jsonDiag `json:"diagnostics"`
}

type jsonDiag struct {
	Severity string       `json:"severity"`
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail"`
	Range    *jsonRange   `json:"range,omitempty"`
	Snippet  *jsonSnippet `json:"snippet,omitempty"`
}

type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

type jsonSnippet struct {
	Context              string `json:"context,omitempty"`
	Code                 string `json:"code"`
	StartLine            int    `json:"start_line"`
	HighlightStartOffset int    `json:"highlight_start_offset"`
	HighlightEndOffset   int    `json:"highlight_end_offset"`
}

func writeJSONDiags(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics) error {
	out := jsonDiags{FormatVersion: "1.0", Diagnostics: []jsonDiag{}}
	for _, d := range diags {
		jd := jsonDiag{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
			out.WarningCount++
		} else {
			out.ErrorCount++
		}
		if d.Subject != nil {
			r := *d.Subject
			jd.Range = &jsonRange{Filename: r.Filename,
				Start: jsonPos{r.Start.Line, r.Start.Column, r.Start.Byte},
				End:   jsonPos{r.End.Line, r.End.Column, r.End.Byte}}
			if line, ok := sourceLine(files, r.Filename, r.Start.Line); ok {
				lineStart := r.Start.Byte - byteOffsetOfColumn(line, r.Start.Column)
				hs := r.Start.Byte - lineStart
				he := r.End.Byte - lineStart
				if r.End.Line != r.Start.Line || he > len(line) {
					he = len(line)
				}
				if he < hs {
					he = hs
				}
				jd.Snippet = &jsonSnippet{Context: blockContext(files, r), Code: line, StartLine: r.Start.Line, HighlightStartOffset: hs, HighlightEndOffset: he}
			}
		}
		out.Diagnostics = append(out.Diagnostics, jd)
	}
	out.Valid = out.ErrorCount == 0
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// byteOffsetOfColumn returns the byte offset in line of 1-based column col.
func byteOffsetOfColumn(line string, col int) int {
	n := 1
	for i := range line {
		if n == col {
			return i
		}
		n++
	}
	return len(line)
}
