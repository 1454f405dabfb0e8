package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"
)

// Format is how a report is rendered.
type Format uint8

const (
	// Text is for people: aligned columns.
	Text Format = iota + 1
	// JSON is one JSON document.
	JSON
	// CSV is a header line and one line per row, for spreadsheets.
	CSV
)

func (f Format) String() string {
	switch f {
	case Text:
		return "text"
	case JSON:
		return "json"
	case CSV:
		return "csv"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// WriteCampaigns renders the campaigns report.
func WriteCampaigns(w io.Writer, cs []Campaign, f Format) error {
	switch f {
	case JSON:
		return writeJSON(w, struct {
			Campaigns []Campaign `json:"campaigns"`
		}{nonNil(cs)})
	case CSV:
		head := []string{"connection", "campaign", "name", "type", "list", "subject", "sender", "sent_at", "recipients"}
		for _, r := range Responses {
			head = append(head, r.String())
		}
		rows := [][]string{head}
		for _, c := range cs {
			row := []string{c.Connection, c.Key, c.Name, c.Type, c.List, c.Subject, c.Sender, csvTime(c.SentAt), strconv.Itoa(c.Recipients)}
			for _, r := range Responses {
				row = append(row, strconv.Itoa(c.Counts[r.String()]))
			}
			rows = append(rows, row)
		}
		return writeCSV(w, rows)
	}
	if len(cs) == 0 {
		_, err := fmt.Fprintln(w, "No campaigns are recorded. `sluice feedback` reads them from the sink of a pipeline with a feedback block.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := "CAMPAIGN\tNAME\tTYPE\tLIST\tSENT\tRECIPIENTS"
	for _, r := range Responses {
		head += "\t" + strings.ToUpper(r.String())
	}
	fmt.Fprintln(tw, head)
	for _, c := range cs {
		line := strings.Join([]string{clean(c.Key), clean(c.Name), c.Type, clean(c.List), stamp(c.SentAt), strconv.Itoa(c.Recipients)}, "\t")
		for _, r := range Responses {
			line += "\t" + strconv.Itoa(c.Counts[r.String()])
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

// WriteCampaign renders one campaign's report. As CSV it is the
// recipients when a response was asked for, else the rates.
func WriteCampaign(w io.Writer, rep *CampaignReport, f Format) error {
	switch f {
	case JSON:
		return writeJSON(w, rep)
	case CSV:
		if rep.Response != "" {
			rows := [][]string{{"key", "module", "source_id", "pipeline", "status", "at"}}
			for _, r := range rep.Recipients {
				rows = append(rows, []string{r.Key, r.Module, r.SourceID, r.Pipeline, r.Status, csvTime(r.At)})
			}
			return writeCSV(w, rows)
		}
		rows := [][]string{{"response", "recipients", "rate"}}
		for _, r := range rep.Rates {
			rows = append(rows, []string{r.Response, strconv.Itoa(r.Recipients), strconv.FormatFloat(r.Rate, 'f', 4, 64)})
		}
		return writeCSV(w, rows)
	}
	c := rep.Campaign
	fmt.Fprintf(w, "Campaign %s %s (%s) on list %s of connection %s\n", clean(c.Key), strconv.Quote(c.Name), c.Type, strconv.Quote(c.List), clean(c.Connection))
	fmt.Fprintf(w, "  Subject:    %s\n", clean(c.Subject))
	fmt.Fprintf(w, "  Sender:     %s\n", clean(c.Sender))
	fmt.Fprintf(w, "  Sent:       %s\n", stamp(c.SentAt))
	fmt.Fprintf(w, "  Recipients: %d\n\n", c.Recipients)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESPONSE\tRECIPIENTS\tRATE")
	for _, r := range rep.Rates {
		fmt.Fprintf(tw, "%s\t%d\t%.1f%%\n", r.Response, r.Recipients, 100*r.Rate)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rep.Response == "" {
		return nil
	}
	what := "Recipients who gave " + rep.Response
	if rep.Module != "" {
		what += ", from module " + clean(rep.Module)
	}
	fmt.Fprintf(w, "\n%s (%d):\n", what, len(rep.Recipients))
	if len(rep.Recipients) == 0 {
		return nil
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tMODULE\tSOURCE\tPIPELINE\tSTATUS\tAT")
	for _, r := range rep.Recipients {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", clean(r.Key), orDash(r.Module), orDash(r.SourceID), orDash(r.Pipeline), r.Status, stamp(r.At))
	}
	return tw.Flush()
}

// WriteRecord renders one source record's report.
func WriteRecord(w io.Writer, rep *RecordReport, f Format) error {
	switch f {
	case JSON:
		return writeJSON(w, rep)
	case CSV:
		rows := [][]string{{"source_id", "pipeline", "module", "key", "connection", "list", "campaign", "name", "type", "sent_at", "response", "responses", "at"}}
		for _, c := range rep.Campaigns {
			rows = append(rows, []string{rep.SourceID, c.Pipeline, c.Module, c.Key, c.Connection, c.List, c.Campaign, c.Name, c.Type,
				csvTime(c.SentAt), c.Response, strings.Join(c.Responses, ";"), csvTime(c.At)})
		}
		return writeCSV(w, rows)
	}
	if len(rep.Campaigns) == 0 {
		_, err := fmt.Fprintf(w, "No campaign responses are recorded for record %s.\n", clean(rep.SourceID))
		return err
	}
	fmt.Fprintf(w, "Record %s: %d campaign(s)\n\n", clean(rep.SourceID), len(rep.Campaigns))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CAMPAIGN\tNAME\tTYPE\tSENT\tRESPONSE\tRESPONSES\tKEY\tMODULE\tPIPELINE")
	for _, c := range rep.Campaigns {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", clean(c.Campaign), clean(c.Name), orDash(c.Type), stamp(c.SentAt),
			c.Response, strings.Join(c.Responses, ","), clean(c.Key), clean(c.Module), clean(c.Pipeline))
	}
	return tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func writeCSV(w io.Writer, rows [][]string) error {
	cw := csv.NewWriter(w)
	for _, r := range rows {
		for i, v := range r {
			r[i] = defuse(v)
		}
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// defuse keeps a spreadsheet from reading a value as a formula.
func defuse(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return "'" + v
		}
	}
	return v
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return clean(s)
}

// clean shows data as is when it is printable, and quoted otherwise, so
// that nothing in it can drive the terminal or break the columns.
func clean(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || (!unicode.IsPrint(r) && r != ' ') || r == '\t' {
			return strconv.Quote(s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}
