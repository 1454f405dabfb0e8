package engine

import (
	"context"
	"fmt"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/engine/plan"
	"github.com/sluice-sync/sluice/engine/state"
)

// refreshSuppressions adds what the sink reports as not to be mailed to the
// state's suppression list, and returns the list for the sink connection.
// Entries stay until a person lifts them, whatever the sink says later.
func refreshSuppressions(ctx context.Context, req PlanRequest) (map[string]state.SuppressionReason, error) {
	list := req.Resolved.Pipeline.Sink.List
	got, err := req.Sink.Suppressions(ctx, sdk.SuppressionsRequest{List: list})
	if err != nil {
		return nil, fmt.Errorf("reading the suppressions of connection %q: %w", req.SinkConnection, err)
	}
	if len(got) > 0 {
		entries := make([]state.Suppression, len(got))
		for i, s := range got {
			entries[i] = state.Suppression{Connection: req.SinkConnection, Key: s.Key, List: s.List, Reason: suppressionReason(s.Reason), AddedAt: req.Now.UTC()}
		}
		if _, err := req.Store.AddSuppressions(ctx, entries); err != nil {
			return nil, err
		}
	}
	all, err := req.Store.Suppressions(ctx, req.SinkConnection)
	if err != nil {
		return nil, err
	}
	out := make(map[string]state.SuppressionReason, len(all))
	for _, s := range all {
		if s.List == "" || s.List == list {
			if _, dup := out[s.Key]; !dup {
				out[s.Key] = s.Reason
			}
		}
	}
	return out, nil
}

func suppressionReason(r sdk.SuppressionReason) state.SuppressionReason {
	switch r {
	case sdk.SuppressUnsubscribed:
		return state.SuppressUnsubscribed
	case sdk.SuppressComplained:
		return state.SuppressComplained
	}
	return state.SuppressDoNotMail
}

// suppress is the suppress stage: a winning key that is suppressed is
// excluded, never added or updated.
func (d *differ) suppress() {
	d.excluded = map[string]bool{}
	for key, c := range d.winners {
		if reason, ok := d.suppressed[key]; ok {
			d.excluded[key] = true
			d.plan.Summary.Excluded++
			d.skip(plan.Skipped{Outcome: plan.Excluded, Key: key, SourceID: c.srcID, Reason: reason.String()})
		}
	}
}

// unsubscribed reports whether a member's key was unsubscribed or marked
// as spam, which on_unsubscribe acts on.
func (d *differ) unsubscribed(key string) bool {
	r, ok := d.suppressed[key]
	return ok && (r == state.SuppressUnsubscribed || r == state.SuppressComplained)
}
