package engine

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

// FeedbackTextOptions tune the human rendering of a feedback plan.
type FeedbackTextOptions struct {
	// Color adds ANSI colours; set it only for a terminal.
	Color bool
	// Verbose lists the fields of every write, not only of created
	// records.
	Verbose bool
}

const (
	fbReset  = "\x1b[0m"
	fbBold   = "\x1b[1m"
	fbDim    = "\x1b[2m"
	fbGreen  = "\x1b[32m"
	fbYellow = "\x1b[33m"
)

// WriteFeedbackText writes a feedback plan for people, in the manner of a
// sync's plan:
//
//	Feedback of pipeline roundtrip (plan 3f2a…, checkpoint "" → "7")
//
//	  + create_campaign spring → Campaigns
//	      name: "Spring hiring"
//	  ~ member_status spring ann@example.com [source 1]: opened → clicked
//	  ~ status_field email Last_Response [source 1]: "clicked" (campaign spring)
//	  + push_recipient zed@example.com → contacts
//	      Email: "zed@example.com"
//
//	Feedback: 1 campaign to create, 1 member status and 1 status field to write, 1 recipient to push. …
//
// or "No changes." and the counts. Keys, ids and reasons are escaped so
// that nothing in the data can drive the terminal.
func WriteFeedbackText(w io.Writer, p *FeedbackPlan, opts FeedbackTextOptions) error {
	t := &fbText{w: bufio.NewWriter(w), color: opts.Color}
	t.plan(p, opts)
	return t.w.Flush()
}

type fbText struct {
	w     *bufio.Writer
	color bool
}

func (t *fbText) style(style, s string) string {
	if !t.color {
		return s
	}
	return style + s + fbReset
}

func (t *fbText) line(s string) { t.w.WriteString(s + "\n") }

func (t *fbText) plan(p *FeedbackPlan, opts FeedbackTextOptions) {
	t.line(t.style(fbBold, fmt.Sprintf("Feedback of pipeline %s (plan %s, checkpoint %s → %s)",
		fbBare(p.Pipeline), fbBare(p.ID), strconv.Quote(p.From), strconv.Quote(p.To))))
	if len(p.Writes) > 0 {
		t.line("")
		for i := range p.Writes {
			t.write(&p.Writes[i], opts.Verbose)
		}
	}
	if len(p.Skipped) > 0 {
		t.line("")
		t.line(t.style(fbBold, "Skipped:"))
		for _, s := range p.Skipped {
			t.line(fmt.Sprintf("  %s %s: %s", s.Action, fbBare(s.Key), fbEscaped(s.Reason)))
		}
	}
	for _, w := range p.Warnings {
		t.line("")
		t.line(t.style(fbYellow, "Warning:") + " " + fbEscaped(w))
	}
	t.line("")
	s := &p.Summary
	counts := fmt.Sprintf("%d unchanged, %d skipped (campaigns %d; events read %d, %d new; recipients %d: %d from the source, %d from elsewhere; %d newly suppressed).",
		s.Unchanged, s.Skipped, s.Campaigns, s.Events, s.NewEvents, s.Recipients, s.FromSource, s.Elsewhere, s.Suppressed)
	if p.HasChanges() {
		t.line(t.style(fbBold, "Feedback:") + fmt.Sprintf(" %s to create, %s and %s to write, %s to push. ",
			fbPlural(s.CreateCampaign, "campaign"), fbPlural(s.MemberStatus, "member status"), fbPlural(s.StatusField, "status field"),
			fbPlural(s.PushRecipient, "recipient")) + counts)
		return
	}
	t.line(t.style(fbBold, "No changes.") + " The feedback of " + fbBare(p.Pipeline) + " is up to date.")
	t.line(counts)
}

func fbPlural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "s") {
		return fmt.Sprintf("%d %ses", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func (t *fbText) write(w *FeedbackWrite, verbose bool) {
	sym, style := "~", fbYellow
	if w.Match == "" || w.Action == CreateCampaign {
		sym, style = "+", fbGreen
	}
	head := "  " + t.style(style, sym+" "+w.Action.String()) + " "
	src := ""
	if w.SourceID != "" {
		src = " " + t.style(fbDim, "[source "+fbBare(w.SourceID)+"]")
	}
	change := fbBare(w.Status)
	if w.Before != "" && w.Before != w.Status {
		change = fbBare(w.Before) + " → " + fbBare(w.Status)
	}
	showFields := verbose
	switch w.Action {
	case CreateCampaign:
		t.line(head + fbBare(w.Campaign) + " → " + fbBare(w.Module))
		showFields = true
	case SetMemberStatus:
		t.line(head + fbBare(w.Campaign) + " " + fbBare(w.Key) + src + ": " + change)
	case SetStatusField:
		t.line(head + fbBare(w.Module) + "." + fbBare(w.Field) + src + ": " + change + " (campaign " + fbBare(w.Campaign) + ")")
	case PushRecipient:
		t.line(head + fbBare(w.Key) + " → " + fbBare(w.Module))
		showFields = true
	default:
		t.line(head + fbBare(w.Key))
	}
	if !showFields {
		return
	}
	names := make([]string, 0, len(w.Record))
	for k := range w.Record {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		t.line("      " + fbBare(k) + ": " + w.Record[k].String())
	}
}

// fbBare returns s as is when it is a plain token (printable, no space,
// quote or bracket) and quoted otherwise.
func fbBare(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) || unicode.IsSpace(r) || strings.ContainsRune(`"\()[]`, r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// fbEscaped returns free text with anything not printable as a Go escape.
func fbEscaped(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsPrint(r):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}
