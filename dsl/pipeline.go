package dsl

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Pipeline is a `pipeline` block: one sync.
type Pipeline struct {
	Name           string
	Source         *Source
	Criteria       *Expr // nil: every record is selected
	Transforms     []*Transform
	Sink           *Sink
	Schedule       *Schedule // nil: run only when asked
	Mode           Mode
	OnSourceDelete Action
	OnUnsubscribe  Action
	Quota          *Quota    // nil: no limit
	Guard          *Guard    // nil: no guard
	Feedback       *Feedback // nil: no feedback run
	// Incomplete reports that decoding the pipeline found errors, so parts
	// of it may be missing: checks of the whole (what reaches the sink) are
	// skipped rather than report echoes of those errors.
	Incomplete bool

	DeclRange hcl.Range
	// File is the name of the file declaring the pipeline.
	File string
}

// Expr is a row expression (expr-lang) written as an HCL string.
type Expr struct {
	Text string
	// Range is the range of the HCL expression holding the text.
	Range hcl.Range
	// pos maps a rune offset in Text to its position in the file; nil when
	// the text was not a plain literal (then Range is used).
	pos []hcl.Pos
}

// PosAt returns the file position of the rune at offset off of Text, or
// the start of Range when it cannot be known exactly.
func (e *Expr) PosAt(off int) hcl.Pos {
	if off >= 0 && off < len(e.pos) {
		return e.pos[off]
	}
	if len(e.pos) > 0 && off >= len(e.pos) {
		return e.pos[len(e.pos)-1]
	}
	return e.Range.Start
}

// RangeAt returns a range covering runes [from, to) of Text.
func (e *Expr) RangeAt(from, to int) hcl.Range {
	if e.pos == nil {
		return e.Range
	}
	if to <= from {
		to = from + 1
	}
	start := e.PosAt(from)
	end := e.PosAt(to - 1)
	end.Column++
	end.Byte++
	return hcl.Range{Filename: e.Range.Filename, Start: start, End: end}
}

// Source is a pipeline's `source` block.
type Source struct {
	Connection      string // the connection's name
	ConnectionRange hcl.Range
	Module          string // the stream; "" for the connector's only one
	ModuleRange     hcl.Range
	View            string
	ViewRange       hcl.Range
	Since           time.Time // zero when unset
	SinceRange      hcl.Range
	// LookBack is the overlap subtracted from the watermark of incremental
	// reads (default 5 minutes).
	LookBack  time.Duration
	DeclRange hcl.Range
}

// Transform is a `transform` block. Fields, when present, project: only
// they leave the transform. Set adds or replaces while keeping the rest.
// Drop removes names. They apply in that order: fields, set, drop.
type Transform struct {
	Name      string
	Fields    []*FieldExpr // nil when absent (not a projection)
	HasFields bool
	Set       []*FieldExpr
	Drop      []string
	DropRange hcl.Range
	DeclRange hcl.Range
}

// FieldExpr is one named row expression.
type FieldExpr struct {
	Name      string
	NameRange hcl.Range
	Expr      *Expr
}

// Sink is a pipeline's `sink` block.
type Sink struct {
	Connection      string
	ConnectionRange hcl.Range
	List            string
	Create          bool
	Key             string
	KeyRange        hcl.Range
	DeclRange       hcl.Range
}

// Mode says whether members that left the selection are removed.
type Mode uint8

const (
	ModeUpsert Mode = iota + 1
	ModeMirror
)

func (m Mode) String() string {
	switch m {
	case ModeUpsert:
		return "upsert"
	case ModeMirror:
		return "mirror"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Action is what happens to a member on a source delete or unsubscribe.
type Action uint8

const (
	ActionKeep Action = iota + 1
	ActionRemoveFromList
	ActionDelete
)

func (a Action) String() string {
	switch a {
	case ActionKeep:
		return "keep"
	case ActionRemoveFromList:
		return "remove_from_list"
	case ActionDelete:
		return "delete"
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// Quota is a pipeline's `quota` block.
type Quota struct {
	MaxRecords int
	DeclRange  hcl.Range
}

// Guard is a pipeline's `guard` block.
type Guard struct {
	// MaxRemovals is a count, or a percentage of the list when Percent.
	MaxRemovals float64
	Percent     bool
	DeclRange   hcl.Range
}

// Limit returns the most removals allowed on a list of n members.
func (g *Guard) Limit(n int) int {
	if !g.Percent {
		return int(g.MaxRemovals)
	}
	return int(g.MaxRemovals * float64(n) / 100)
}
