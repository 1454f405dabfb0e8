package plan

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
)

// Change is one thing the plan does to the list.
type Change struct {
	Action   Action `json:"action"`
	Key      string `json:"key"`       // the member's sink key
	SourceID string `json:"source_id"` // the source record it comes from, "" when unknown
	// Reason says why a member is removed or deleted: ReasonSourceDeleted,
	// ReasonLeftSelection, ReasonUnsubscribed. Optional for adds and updates.
	Reason string `json:"reason,omitempty"`
	// Fields holds an add's mapped fields; nil for other actions.
	Fields map[string]Value `json:"fields,omitempty"`
	// Diff holds an update's changed fields, one entry per field, sorted by
	// field name (Normalize sorts it); nil for other actions.
	Diff []FieldChange `json:"diff,omitempty"`
}

// FieldChange is one field an update changes. A field the member did not
// have has a null Before; a field that is cleared has a null After.
type FieldChange struct {
	Field  string `json:"field"`
	Before Value  `json:"before"`
	After  Value  `json:"after"`
}

// Skipped is one selected record the plan leaves out, and why.
type Skipped struct {
	Outcome  Outcome `json:"outcome"`
	Key      string  `json:"key"` // "" when the record has no usable key
	SourceID string  `json:"source_id"`
	Reason   string  `json:"reason"`
	// Winner is, for a duplicate, the source id of the record that won
	// deduplication; "" otherwise.
	Winner string `json:"winner,omitempty"`
}

// compareChanges orders changes by key, then action, then source id and
// reason; it falls back to the contents so that the order is total.
func compareChanges(a, b *Change) int {
	if c := strings.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Action, b.Action); c != 0 {
		return c
	}
	if c := strings.Compare(a.SourceID, b.SourceID); c != 0 {
		return c
	}
	if c := strings.Compare(a.Reason, b.Reason); c != 0 {
		return c
	}
	// Two changes alike so far are a stage's mistake; order them anyway so
	// the output stays the same.
	var ea, eb jsonWriter
	ea.change(a)
	eb.change(b)
	return bytes.Compare(ea.buf, eb.buf)
}

// compareSkipped orders skipped records by outcome, key, source id, reason
// and winner.
func compareSkipped(a, b *Skipped) int {
	if c := cmp.Compare(a.Outcome, b.Outcome); c != 0 {
		return c
	}
	if c := strings.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	if c := strings.Compare(a.SourceID, b.SourceID); c != 0 {
		return c
	}
	if c := strings.Compare(a.Reason, b.Reason); c != 0 {
		return c
	}
	return strings.Compare(a.Winner, b.Winner)
}

func compareFieldChanges(a, b FieldChange) int {
	if c := strings.Compare(a.Field, b.Field); c != 0 {
		return c
	}
	if c := bytes.Compare(a.Before.appendJSON(nil), b.Before.appendJSON(nil)); c != 0 {
		return c
	}
	return bytes.Compare(a.After.appendJSON(nil), b.After.appendJSON(nil))
}

func cmpChangePtr(a, b Change) int   { return compareChanges(&a, &b) }
func cmpSkippedPtr(a, b Skipped) int { return compareSkipped(&a, &b) }

// sortedChanges returns cs in plan order: cs itself when it already is,
// else a sorted copy. Diffs are not looked at; see sortedDiff.
func sortedChanges(cs []Change) []Change {
	if slices.IsSortedFunc(cs, cmpChangePtr) {
		return cs
	}
	cs = slices.Clone(cs)
	slices.SortFunc(cs, cmpChangePtr)
	return cs
}

func sortedSkipped(ss []Skipped) []Skipped {
	if slices.IsSortedFunc(ss, cmpSkippedPtr) {
		return ss
	}
	ss = slices.Clone(ss)
	slices.SortFunc(ss, cmpSkippedPtr)
	return ss
}

func sortedDiff(d []FieldChange) []FieldChange {
	if slices.IsSortedFunc(d, compareFieldChanges) {
		return d
	}
	d = slices.Clone(d)
	slices.SortFunc(d, compareFieldChanges)
	return d
}
