package engine

import (
	"context"
	"fmt"

	"github.com/sluice-sync/sluice/engine/plan"
	"github.com/sluice-sync/sluice/engine/state"
)

// FromSaved prepares a saved plan for Apply. It refuses, naming why, a
// plan made from another configuration of the pipeline, one already
// applied, and one made against another state (a stale plan).
func FromSaved(ctx context.Context, pl *plan.Plan, r *Resolved, configHash string, st state.Store) (*Prepared, error) {
	if pl.Pipeline != r.Pipeline.Name {
		return nil, fmt.Errorf("%w: it is a plan of pipeline %q, not %q", ErrStalePlan, pl.Pipeline, r.Pipeline.Name)
	}
	if pl.ConfigHash != configHash {
		return nil, fmt.Errorf("%w: pipeline %q changed since the plan was made; make a new plan", ErrStalePlan, pl.Pipeline)
	}
	if run, applied, err := st.PlanApplied(ctx, pl.ID); err != nil {
		return nil, err
	} else if applied {
		return nil, fmt.Errorf("%w: plan %s was already applied (run %d, %s); make a new plan", ErrStalePlan, pl.ID, run.ID, run.StartedAt.Format("2006-01-02 15:04:05 MST"))
	}
	serial, err := st.Serial(ctx, pl.Pipeline)
	if err != nil {
		return nil, err
	}
	if serial != pl.StateSerial {
		return nil, fmt.Errorf("%w: the state of pipeline %q changed since the plan was made (serial %d, now %d); make a new plan", ErrStalePlan, pl.Pipeline, pl.StateSerial, serial)
	}
	out := r.Program.Output
	pr := &Prepared{Plan: pl, Resolved: r, winners: map[string]*candidate{}, watermark: noCursor}
	var updates []string
	for i := range pl.Changes {
		c := &pl.Changes[i]
		switch c.Action {
		case plan.Add:
			vals := make([]any, len(out))
			for j, f := range out {
				if v, ok := c.Fields[f.Name]; ok {
					vals[j] = normalize(v.Interface())
				}
			}
			pr.winners[c.Key] = &candidate{key: c.Key, srcID: c.SourceID, vals: vals, cursor: noCursor}
		case plan.Update:
			updates = append(updates, c.Key)
		}
	}
	stored, err := st.MembersByKey(ctx, pl.Pipeline, updates)
	if err != nil {
		return nil, err
	}
	for i := range pl.Changes {
		c := &pl.Changes[i]
		if c.Action != plan.Update {
			continue
		}
		m, ok := stored[c.Key]
		if !ok {
			return nil, fmt.Errorf("%w: the plan updates %q, which the state does not hold", ErrStalePlan, c.Key)
		}
		before, err := decodeFields(m.Fields)
		if err != nil {
			return nil, err
		}
		for _, d := range c.Diff {
			before[d.Field] = d.After
		}
		vals := make([]any, len(out))
		for j, f := range out {
			if v, ok := before[f.Name]; ok {
				vals[j] = normalize(v.Interface())
			}
		}
		pr.winners[c.Key] = &candidate{key: c.Key, srcID: c.SourceID, vals: vals, pos: m.Position, cursor: noCursor}
	}
	for _, w := range pr.winners {
		w.enc = encodeFields(nil, out, w.vals)
		w.hash = hashFields(w.enc)
	}
	return pr, nil
}
