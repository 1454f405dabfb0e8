package engine

import (
	"context"
	"slices"

	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine/plan"
	"github.com/sluice-sync/sluice/engine/state"
)

// diff is the diff and removals stages: it streams the state's members in
// key order and compares each with the record that now holds its key; the
// members no record holds any more are removed or kept as the pipeline
// says. The snapshot never sits in memory whole.
func (d *differ) diff(ctx context.Context, st state.Store) error {
	d.existing = map[string]bool{}
	p := d.p
	err := st.EachMember(ctx, p.Name, false, func(m state.Member) error {
		d.members++
		if d.unsubscribed(m.Key) {
			d.existing[m.Key] = true
			d.removal(p.OnUnsubscribe, m.Key, m.SourceID, plan.ReasonUnsubscribed)
			return nil
		}
		if w := d.winners[m.Key]; w != nil && !d.excluded[m.Key] {
			d.existing[m.Key] = true
			w.encode(d.out)
			if w.hash == m.Hash {
				d.plan.Summary.Unchanged++
			} else {
				d.updates = append(d.updates, m.Key)
			}
			return nil
		}
		if d.excluded[m.Key] {
			d.existing[m.Key] = true
			return nil
		}
		d.removed(m)
		return nil
	})
	if err != nil {
		return err
	}
	return d.updateDiffs(ctx, st)
}

// removed decides what happens to a member that no selected record holds.
// "Deleted at the source" and "left the selection" are never confused:
// only the first follows on_source_delete.
func (d *differ) removed(m state.Member) {
	p := d.p
	if _, gone := d.tombstones[m.SourceID]; gone {
		d.removal(p.OnSourceDelete, m.Key, m.SourceID, plan.ReasonSourceDeleted)
		return
	}
	s := d.seen[m.SourceID]
	seen := s.read
	switch {
	case seen && s.rejected:
		// The record could not be evaluated: keep the member as it is.
	case seen:
		// Unmatched now, or mapped to another key.
		if p.Mode == dsl.ModeMirror {
			d.removal(dsl.ActionRemoveFromList, m.Key, m.SourceID, plan.ReasonLeftSelection)
		}
	case !d.fullRead:
		// An incremental read only sees what changed.
	case p.Source.View != "":
		// A view's read shows the view, not the source: gone from it is
		// leaving the selection.
		if p.Mode == dsl.ModeMirror {
			d.removal(dsl.ActionRemoveFromList, m.Key, m.SourceID, plan.ReasonLeftSelection)
		}
	default:
		d.removal(p.OnSourceDelete, m.Key, m.SourceID, plan.ReasonSourceDeleted)
	}
}

// ReasonUnacknowledged explains an update of a member whose last write
// was sent but not acknowledged (the run was interrupted): what the sink
// holds is unknown, so every field is sent again.
const ReasonUnacknowledged = "the last write was not acknowledged"

// updateDiffs reads the stored fields of updated members and lists each
// changed field before and after.
func (d *differ) updateDiffs(ctx context.Context, st state.Store) error {
	slices.Sort(d.updates)
	const chunk = 512
	for i := 0; i < len(d.updates); i += chunk {
		keys := d.updates[i:min(i+chunk, len(d.updates))]
		stored, err := st.MembersByKey(ctx, d.p.Name, keys)
		if err != nil {
			return err
		}
		for _, key := range keys {
			w := d.winners[key]
			before, err := decodeFields(stored[key].Fields)
			if err != nil {
				return err
			}
			reason := ""
			if stored[key].Hash == pendingHash {
				reason = ReasonUnacknowledged
			}
			var diff []plan.FieldChange
			for j, f := range d.out {
				after := storedValue(w.vals[j])
				if b, ok := before[f.Name]; !ok || !b.Equal(after) {
					diff = append(diff, plan.FieldChange{Field: f.Name, Before: b, After: planValue(w.vals[j])})
				}
				delete(before, f.Name)
			}
			for name, b := range before {
				diff = append(diff, plan.FieldChange{Field: name, Before: b, After: plan.NullVal()})
			}
			if len(diff) == 0 {
				// Same values, other encoding (an older state): nothing to send.
				d.plan.Summary.Unchanged++
				continue
			}
			d.change(plan.Change{Action: plan.Update, Key: key, SourceID: w.srcID, Reason: reason, Diff: diff})
		}
	}
	return nil
}
