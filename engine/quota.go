package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/sluice-sync/sluice/engine/plan"
)

// quota is the quota stage. Members already on the list keep their place,
// whatever their status; members this plan removes or deletes free theirs
// first; adds are then admitted in source order until the limit, and the
// rest are over quota, to be considered again next run. Updates are
// always allowed.
func (d *differ) quota(ctx context.Context, req PlanRequest) error {
	freed := int64(d.plan.Summary.Remove + d.plan.Summary.Delete)
	limited, room, why := false, int64(0), ""
	if q := d.p.Quota; q != nil {
		limited, room = true, int64(q.MaxRecords)-(d.members-freed)
		why = fmt.Sprintf("the list is full: quota.max_records is %d", q.MaxRecords)
	}
	if req.MaxContacts > 0 {
		contacts, err := req.Store.CountContacts(ctx, req.SinkConnection)
		if err != nil {
			return err
		}
		if r := int64(req.MaxContacts) - (contacts - freed); !limited || r < room {
			limited, room = true, r
			why = fmt.Sprintf("limits.max_contacts is %d across connection %q", req.MaxContacts, req.SinkConnection)
		}
	}
	ws := d.sortedWinners()
	adds := len(ws)
	if limited {
		adds = int(min(max(room, 0), int64(adds)))
	}
	d.plan.Changes = slices.Grow(d.plan.Changes, adds)
	d.plan.Skipped = slices.Grow(d.plan.Skipped, len(ws)-adds+len(d.beyond))
	for _, c := range ws {
		if d.existing[c.key] || d.excluded[c.key] {
			continue
		}
		if limited && room <= 0 {
			d.plan.Summary.OverQuota++
			d.skip(plan.Skipped{Outcome: plan.OverQuota, Key: c.key, SourceID: c.srcID, Reason: why})
			continue
		}
		room--
		fields := make(map[string]plan.Value, len(d.out))
		for j, f := range d.out {
			fields[f.Name] = planValue(c.vals[j])
		}
		d.change(plan.Change{Action: plan.Add, Key: c.key, SourceID: c.srcID, Fields: fields})
	}
	// The winners the read found past any possible room (see
	// collector.limitAdds) come after all of the above in source order.
	for key, srcID := range d.beyond {
		d.plan.Summary.OverQuota++
		d.skip(plan.Skipped{Outcome: plan.OverQuota, Key: key, SourceID: srcID, Reason: why})
	}
	return nil
}

// guard checks guard.max_removals: removals plus deletes over the limit
// make the plan refused unless removals are allowed.
func (d *differ) guard() {
	g := d.p.Guard
	if g == nil {
		return
	}
	n := d.plan.Summary.Remove + d.plan.Summary.Delete
	limit := g.Limit(int(d.members))
	if n > limit {
		d.plan.GuardBreach = &plan.GuardBreach{Limit: limit, Removals: n, ListSize: int(d.members)}
	}
}
