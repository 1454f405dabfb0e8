package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// WriteJSON writes p as one JSON document, followed by a newline:
//
//	{"format_version":"1.0","plan_id":"…","pipeline":"…","created_at":"…",
//	 "config_hash":"…","state_serial":7,"summary":{…},"guard":{…},
//	 "warnings":[…],"changes":[…],"skipped":[…]}
//
// plan_id, created_at and config_hash are left out when empty, guard when
// there is no breach; every count of the summary is always there, and empty
// lists are [] (never null). A change has action, key, source_id, reason
// (when not empty), fields (adds: each mapped field, keys sorted) and diff
// (updates: [{"field","before","after"}], sorted by field). A skipped entry
// has outcome, key, source_id, reason and, for duplicates, winner.
//
// Entries are written in plan order whatever the order of p's slices, one
// per line, so that the same plan always gives the same bytes. Strings are
// escaped as encoding/json does, without HTML escaping, and with DEL, C1
// controls, U+2028 and U+2029 escaped too, so the document is safe to print.
func WriteJSON(w io.Writer, p *Plan) error {
	e := jsonWriter{w: w}
	e.plan(p, true)
	e.buf = append(e.buf, '\n')
	e.flush()
	return e.err
}

// MarshalJSON returns the document WriteJSON writes, without the newline.
func (p *Plan) MarshalJSON() ([]byte, error) {
	var e jsonWriter
	e.plan(p, true)
	return e.buf, nil
}

// jsonWriter appends JSON to buf and, when w is set, flushes it to w in
// chunks. The first write error sticks in err.
type jsonWriter struct {
	w    io.Writer
	buf  []byte
	err  error
	keys []string // scratch for sorting field names
}

const jsonFlushSize = 64 << 10

func (e *jsonWriter) maybeFlush() {
	if e.w != nil && len(e.buf) >= jsonFlushSize {
		e.flush()
	}
}

func (e *jsonWriter) flush() {
	if e.w == nil || len(e.buf) == 0 {
		return
	}
	if e.err == nil {
		_, e.err = e.w.Write(e.buf)
	}
	e.buf = e.buf[:0]
}

func (e *jsonWriter) key(name string) {
	e.buf = append(e.buf, '"')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '"', ':')
}

func (e *jsonWriter) str(name, v string) {
	e.key(name)
	e.buf = appendJSONString(e.buf, v)
}

func (e *jsonWriter) int(name string, v int64) {
	e.key(name)
	e.buf = strconv.AppendInt(e.buf, v, 10)
}

func (e *jsonWriter) plan(p *Plan, withID bool) {
	e.buf = append(e.buf, '{')
	e.str("format_version", FormatVersion)
	if withID && p.ID != "" {
		e.buf = append(e.buf, ',')
		e.str("plan_id", p.ID)
	}
	e.buf = append(e.buf, ',')
	e.str("pipeline", p.Pipeline)
	if !p.CreatedAt.IsZero() {
		e.buf = append(e.buf, ',')
		e.key("created_at")
		e.buf = append(e.buf, '"')
		e.buf = p.CreatedAt.UTC().AppendFormat(e.buf, time.RFC3339Nano)
		e.buf = append(e.buf, '"')
	}
	if p.ConfigHash != "" {
		e.buf = append(e.buf, ',')
		e.str("config_hash", p.ConfigHash)
	}
	e.buf = append(e.buf, ',')
	e.int("state_serial", p.StateSerial)
	e.buf = append(e.buf, ',')
	e.summary(&p.Summary)
	if g := p.GuardBreach; g != nil {
		e.buf = append(e.buf, `,"guard":{`...)
		e.int("limit", int64(g.Limit))
		e.buf = append(e.buf, ',')
		e.int("removals", int64(g.Removals))
		e.buf = append(e.buf, ',')
		e.int("list_size", int64(g.ListSize))
		e.buf = append(e.buf, '}')
	}
	e.buf = append(e.buf, `,"warnings":[`...)
	for i, w := range p.Warnings {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = appendJSONString(e.buf, w)
	}
	e.buf = append(e.buf, `],"changes":[`...)
	for i, c := range sortedChanges(p.Changes) {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, '\n')
		e.change(&c)
		e.maybeFlush()
	}
	if len(p.Changes) > 0 {
		e.buf = append(e.buf, '\n')
	}
	e.buf = append(e.buf, `],"skipped":[`...)
	for i, s := range sortedSkipped(p.Skipped) {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, '\n')
		e.skipped(&s)
		e.maybeFlush()
	}
	if len(p.Skipped) > 0 {
		e.buf = append(e.buf, '\n')
	}
	e.buf = append(e.buf, "]}"...)
}

func (e *jsonWriter) summary(s *Summary) {
	e.buf = append(e.buf, `"summary":{`...)
	for i, c := range [...]struct {
		name string
		n    int
	}{
		{"read", s.Read}, {"selected", s.Selected}, {"unmatched", s.Unmatched},
		{"rejected", s.Rejected}, {"duplicate", s.Duplicate}, {"excluded", s.Excluded},
		{"add", s.Add}, {"update", s.Update}, {"unchanged", s.Unchanged},
		{"over_quota", s.OverQuota}, {"remove", s.Remove}, {"delete", s.Delete},
	} {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.int(c.name, int64(c.n))
	}
	e.buf = append(e.buf, '}')
}

func (e *jsonWriter) change(c *Change) {
	e.buf = append(e.buf, '{')
	e.str("action", c.Action.String())
	e.buf = append(e.buf, ',')
	e.str("key", c.Key)
	e.buf = append(e.buf, ',')
	e.str("source_id", c.SourceID)
	if c.Reason != "" {
		e.buf = append(e.buf, ',')
		e.str("reason", c.Reason)
	}
	if c.Action == Add || len(c.Fields) > 0 {
		e.buf = append(e.buf, ',')
		e.key("fields")
		e.fields(c.Fields)
	}
	if c.Action == Update || len(c.Diff) > 0 {
		e.buf = append(e.buf, ',')
		e.key("diff")
		e.diff(c.Diff)
	}
	e.buf = append(e.buf, '}')
}

// fields writes an object with the keys sorted.
func (e *jsonWriter) fields(m map[string]Value) {
	keys := e.keys[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.buf = append(e.buf, '{')
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = appendJSONString(e.buf, k)
		e.buf = append(e.buf, ':')
		e.buf = m[k].appendJSON(e.buf)
	}
	e.buf = append(e.buf, '}')
	clear(keys)
	e.keys = keys[:0]
}

func (e *jsonWriter) diff(d []FieldChange) {
	e.buf = append(e.buf, '[')
	for i, f := range sortedDiff(d) {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, '{')
		e.str("field", f.Field)
		e.buf = append(e.buf, `,"before":`...)
		e.buf = f.Before.appendJSON(e.buf)
		e.buf = append(e.buf, `,"after":`...)
		e.buf = f.After.appendJSON(e.buf)
		e.buf = append(e.buf, '}')
	}
	e.buf = append(e.buf, ']')
}

func (e *jsonWriter) skipped(s *Skipped) {
	e.buf = append(e.buf, '{')
	e.str("outcome", s.Outcome.String())
	e.buf = append(e.buf, ',')
	e.str("key", s.Key)
	e.buf = append(e.buf, ',')
	e.str("source_id", s.SourceID)
	e.buf = append(e.buf, ',')
	e.str("reason", s.Reason)
	if s.Winner != "" {
		e.buf = append(e.buf, ',')
		e.str("winner", s.Winner)
	}
	e.buf = append(e.buf, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD; control characters (C0, DEL, C1) and the JavaScript line
// separators are escaped; <, > and & are not.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r >= 0x80 && r <= 0x9f, r == '\u2028', r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// jsonPlan is the JSON document's shape, for reading it back.
type jsonPlan struct {
	FormatVersion string       `json:"format_version"`
	ID            string       `json:"plan_id"`
	Pipeline      string       `json:"pipeline"`
	CreatedAt     time.Time    `json:"created_at"`
	ConfigHash    string       `json:"config_hash"`
	StateSerial   int64        `json:"state_serial"`
	Summary       Summary      `json:"summary"`
	Guard         *GuardBreach `json:"guard"`
	Warnings      []string     `json:"warnings"`
	Changes       []Change     `json:"changes"`
	Skipped       []Skipped    `json:"skipped"`
}

// UnmarshalJSON reads a document written by WriteJSON. It refuses a major
// format version other than this package's (ErrUnsupportedVersion) and
// ignores fields it does not know. Empty lists read back as nil.
func (p *Plan) UnmarshalJSON(data []byte) error {
	var probe struct {
		FormatVersion *string `json:"format_version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	if probe.FormatVersion == nil {
		return fmt.Errorf("plan: not a plan document: no format_version")
	}
	if _, err := checkVersion(*probe.FormatVersion); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	var j jsonPlan
	d := json.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(&j); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	*p = Plan{
		FormatVersion: j.FormatVersion,
		ID:            j.ID,
		Pipeline:      j.Pipeline,
		CreatedAt:     j.CreatedAt,
		ConfigHash:    j.ConfigHash,
		StateSerial:   j.StateSerial,
		Summary:       j.Summary,
		GuardBreach:   j.Guard,
		Warnings:      nilIfEmpty(j.Warnings),
		Changes:       nilIfEmpty(j.Changes),
		Skipped:       nilIfEmpty(j.Skipped),
	}
	return nil
}

func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}
