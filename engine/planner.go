package engine

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/dsl/rowexpr"
	"github.com/sluice-sync/sluice/engine/plan"
	"github.com/sluice-sync/sluice/engine/state"
)

// PlanRequest is everything a plan is computed from.
type PlanRequest struct {
	Resolved       *Resolved
	Store          state.Store
	Source         sdk.Source
	Sink           sdk.Sink
	SinkConnection string // the sink connection's name (suppressions, limits)
	MaxContacts    int    // limits.max_contacts; 0 for none
	ConfigHash     string
	Now            time.Time
	// Progress, when set, is called after each batch read.
	Progress func(read int64)
	// BatchRows bounds the rows of each batch read; 0 for the default.
	BatchRows int
}

// Prepared is a plan with what applying it needs beyond the plan itself.
type Prepared struct {
	Plan     *plan.Plan
	Resolved *Resolved
	// winners are the mapped records by key, for adds and updates.
	winners map[string]*candidate
	// rejected are the records rejected while planning, for the state.
	rejected []plan.Skipped
	// watermark is the highest cursor read (noCursor when none).
	watermark   int64
	incremental bool
}

// DefaultBatchRows bounds the rows of a batch read from a source.
const DefaultBatchRows = 16384

// Plan computes what a run of the pipeline would do: read, select, map,
// deduplicate, suppress, diff, quota, removals. It writes nothing but the
// refreshed suppression list.
func Plan(ctx context.Context, req PlanRequest) (*Prepared, error) {
	r := req.Resolved
	p := r.Pipeline
	now := req.Now.UTC()

	// Suppress needs the sink's view first: it is refreshed every run.
	supp, err := refreshSuppressions(ctx, req)
	if err != nil {
		return nil, err
	}

	since, incremental, err := readFrom(ctx, req)
	if err != nil {
		return nil, err
	}
	keyKind := sdk.KeyString
	if r.Sink != nil {
		keyKind = r.Sink.KeyKind
	}
	// The serial is read before the state is: a commit after it makes
	// the plan stale, whatever this plan saw of it.
	serial, err := req.Store.Serial(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	col := newCollector(ctx, newEvaluator(r.Program, keyKind), r.Stream, since)
	col.progress = req.Progress
	if err := col.trackSeen(ctx, req.Store, p.Name, incremental); err != nil {
		return nil, err
	}
	col.limitAdds(addLimit(p, req.MaxContacts), supp)
	batch := req.BatchRows
	if batch <= 0 {
		batch = DefaultBatchRows
	}
	ov := newOverlap(col)
	err = req.Source.Read(ctx, sdk.ReadRequest{Stream: r.Stream.Name, View: p.Source.View, Since: since, BatchRows: batch}, ov)
	if werr := ov.wait(); err == nil {
		err = werr
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", describeSource(p), err)
	}
	col.finish()

	pl := plan.New(p.Name, now)
	pl.ConfigHash = req.ConfigHash
	pl.StateSerial = serial
	pl.Summary = col.summary
	pl.Skipped = append(pl.Skipped, col.rejected...)
	pl.Skipped = append(pl.Skipped, col.duplicates...)

	d := &differ{
		p: p, out: r.Program.Output, winners: col.winners, beyond: col.beyond, seen: col.seen, tombstones: col.tombstones,
		suppressed: supp, fullRead: !incremental, plan: pl,
	}
	d.suppress()
	if err := d.diff(ctx, req.Store); err != nil {
		return nil, err
	}
	if err := d.quota(ctx, req); err != nil {
		return nil, err
	}
	d.guard()
	pl.Normalize()
	return &Prepared{
		Plan: pl, Resolved: r, winners: col.winners, rejected: col.rejected,
		watermark: col.maxCursor, incremental: incremental,
	}, nil
}

// addLimit is the most adds a plan of p can admit whatever the state
// holds, or -1 when nothing limits them.
func addLimit(p *dsl.Pipeline, maxContacts int) int {
	limit := -1
	if p.Quota != nil {
		limit = max(p.Quota.MaxRecords, 0)
	}
	if maxContacts > 0 && (limit < 0 || maxContacts < limit) {
		limit = maxContacts
	}
	return limit
}

func describeSource(p *dsl.Pipeline) string {
	s := fmt.Sprintf("connection %q", p.Source.Connection)
	if p.Source.Module != "" {
		s += fmt.Sprintf(", module %q", p.Source.Module)
	}
	return s
}

// readFrom says where an incremental read starts: since on the first run,
// then the committed watermark minus the look-back, never before since.
func readFrom(ctx context.Context, req PlanRequest) (time.Time, bool, error) {
	src := req.Resolved.Pipeline.Source
	if src.Since.IsZero() {
		return time.Time{}, false, nil
	}
	wm, err := req.Store.Watermark(ctx, req.Resolved.Pipeline.Name, state.WatermarkSource)
	if err != nil {
		return time.Time{}, false, err
	}
	from := src.Since
	if !wm.Cursor.IsZero() {
		if w := wm.Cursor.Add(-src.LookBack); w.After(from) {
			from = w
		}
	}
	return from.UTC(), true, nil
}

// differ holds the stages after deduplication: suppress, diff, quota and
// removals, which fill in the plan.
type differ struct {
	p          *dsl.Pipeline
	out        []rowexpr.Field
	winners    map[string]*candidate
	beyond     map[string]string // key → source id of winners over any quota
	seen       map[string]seenState
	tombstones map[string]struct{}
	suppressed map[string]state.SuppressionReason
	fullRead   bool
	plan       *plan.Plan

	excluded map[string]bool
	existing map[string]bool // winners already members
	updates  []string
	members  int64 // this pipeline's members before the plan
}

func (d *differ) skip(s plan.Skipped) { d.plan.Skipped = append(d.plan.Skipped, s) }

func (d *differ) change(c plan.Change) {
	d.plan.Changes = append(d.plan.Changes, c)
	switch c.Action {
	case plan.Add:
		d.plan.Summary.Add++
	case plan.Update:
		d.plan.Summary.Update++
	case plan.Remove:
		d.plan.Summary.Remove++
	case plan.Delete:
		d.plan.Summary.Delete++
	}
}

// removal adds the change an action asks for; keep adds nothing.
func (d *differ) removal(a dsl.Action, key, srcID, reason string) {
	switch a {
	case dsl.ActionRemoveFromList:
		d.change(plan.Change{Action: plan.Remove, Key: key, SourceID: srcID, Reason: reason})
	case dsl.ActionDelete:
		d.change(plan.Change{Action: plan.Delete, Key: key, SourceID: srcID, Reason: reason})
	}
}

// sortedWinners returns the winning candidates in source order.
func (d *differ) sortedWinners() []*candidate {
	out := make([]*candidate, 0, len(d.winners))
	for _, c := range d.winners {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *candidate) int { return int(a.pos - b.pos) })
	return out
}
