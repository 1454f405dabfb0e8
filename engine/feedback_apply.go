package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/engine/state"
)

// DefaultFeedbackRows bounds the records of one feedback write.
const DefaultFeedbackRows = 500

// FeedbackApplyOptions tune a feedback apply.
type FeedbackApplyOptions struct {
	WriteRows int // records per write; 0 for DefaultFeedbackRows
	// Progress, when set, is called after each write with the writes done.
	Progress func(done, total int)
	// MaxWait bounds the total time spent waiting out rate limits.
	MaxWait time.Duration
}

// FeedbackResult is what a feedback apply did.
type FeedbackResult struct {
	Run int64
	// Counts are the writes made, by action name, and "rejected".
	Counts   map[string]int64
	Rejected []FeedbackRejection
	// Advanced reports whether the feedback checkpoint moved to the plan's.
	Advanced bool
}

// FeedbackRejection is a write the source refused.
type FeedbackRejection struct {
	Write  FeedbackWrite
	Reason string
}

// Apply writes a feedback plan's records into the source, campaigns first
// (so member statuses find their campaign), then member statuses, status
// fields and pushed recipients, in batches. After each batch the state
// records the writes the source accepted, so they are never made again; a
// record the source refused is reported and planned again next run: plans
// are made from every event the state holds, not only from those just
// read. The feedback checkpoint moves to the plan's unless a pushed
// recipient was refused: the member fields a push is made from come only
// with the events, so those are read again (recording them again is
// harmless).
//
// A write the source accepted but whose acknowledgement was lost (a crash
// between the two) is made again by the next run: a campaign, a member
// status or a status field is matched and updated in place, but a pushed
// recipient may be created twice.
func (f *FeedbackSync) Apply(ctx context.Context, pl *FeedbackPlan, lease state.Lease, o FeedbackApplyOptions) (*FeedbackResult, error) {
	s := f.Sync
	p := s.Resolved.Pipeline
	if pl.Pipeline != p.Name {
		return nil, fmt.Errorf("%w: it is a feedback plan of pipeline %q, not %q", ErrStalePlan, pl.Pipeline, p.Name)
	}
	serial, err := s.Store.Serial(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	if serial != pl.StateSerial {
		return nil, fmt.Errorf("%w: the state of pipeline %q changed since the feedback plan was made (serial %d, now %d); make a new plan", ErrStalePlan, p.Name, pl.StateSerial, serial)
	}
	conn, err := s.Conns.Get(ctx, p.Source.Connection)
	if err != nil {
		return nil, err
	}
	target, ok := conn.(sdk.FeedbackTarget)
	if !ok {
		return nil, fmt.Errorf("connection %q does not accept feedback", p.Source.Connection)
	}
	run, err := s.Store.StartRun(ctx, p.Name, state.RunFeedback, pl.ID)
	if err != nil {
		return nil, err
	}
	a := &feedbackApplier{f: f, pl: pl, target: target, lease: lease, opts: o, res: &FeedbackResult{Run: run, Counts: map[string]int64{}}}
	err = a.apply(ctx)
	result := state.RunResult{Outcome: state.OutcomeSucceeded, Counts: a.res.Counts}
	if err != nil {
		result.Outcome, result.Error = state.OutcomeFailed, err.Error()
		if ctx.Err() != nil {
			result.Outcome = state.OutcomeInterrupted
		}
	}
	if ferr := s.Store.FinishRun(context.WithoutCancel(ctx), run, result); ferr != nil && err == nil {
		err = ferr
	}
	return a.res, err
}

type feedbackApplier struct {
	f      *FeedbackSync
	pl     *FeedbackPlan
	target sdk.FeedbackTarget
	lease  state.Lease
	opts   FeedbackApplyOptions
	res    *FeedbackResult
	done   int
}

func (a *feedbackApplier) rows() int {
	if a.opts.WriteRows > 0 {
		return a.opts.WriteRows
	}
	return DefaultFeedbackRows
}

func (a *feedbackApplier) apply(ctx context.Context) error {
	ws := a.pl.Writes
	// Writes are sorted by action; a batch holds writes of one action into
	// one module with one match field.
	for i := 0; i < len(ws); {
		j := i + 1
		for j < len(ws) && j-i < a.rows() && ws[j].Action == ws[i].Action && ws[j].Module == ws[i].Module && ws[j].Match == ws[i].Match {
			j++
		}
		if err := a.batch(ctx, ws[i:j]); err != nil {
			return err
		}
		i = j
	}
	for _, r := range a.res.Rejected {
		if r.Write.Action == PushRecipient {
			return nil
		}
	}
	if a.pl.To == "" || a.pl.To == a.pl.From {
		return nil
	}
	p := a.f.Sync.Resolved.Pipeline
	if _, err := a.f.Sync.Store.AdvanceWatermark(ctx, p.Name, a.lease.Token, state.WatermarkFeedback, state.Watermark{Checkpoint: a.pl.To}); err != nil {
		return fmt.Errorf("recording the feedback checkpoint: %w", err)
	}
	a.res.Advanced = true
	return nil
}

// batch writes one batch and records what the source accepted.
func (a *feedbackApplier) batch(ctx context.Context, ws []FeedbackWrite) error {
	req := sdk.FeedbackRequest{Module: ws[0].Module, Match: ws[0].Match, Records: make([]map[string]any, len(ws))}
	for i, w := range ws {
		rec := make(map[string]any, len(w.Record))
		for k, v := range w.Record {
			rec[k] = v.Interface()
		}
		req.Records[i] = rec
	}
	failed, err := a.write(ctx, req)
	if err != nil {
		return err
	}
	var markers []string
	for i, w := range ws {
		if reason, bad := failed[i]; bad {
			a.res.Rejected = append(a.res.Rejected, FeedbackRejection{Write: w, Reason: reason})
			a.res.Counts["rejected"]++
			continue
		}
		markers = append(markers, w.Marker)
		a.res.Counts[w.Action.String()]++
	}
	p := a.f.Sync.Resolved.Pipeline
	if err := a.f.Sync.Store.PutDone(ctx, p.Name, ws[0].Action.doneKind(), markers); err != nil {
		return fmt.Errorf("recording the feedback writes: %w", err)
	}
	a.done += len(ws)
	if a.opts.Progress != nil {
		a.opts.Progress(a.done, len(a.pl.Writes))
	}
	return nil
}

// write sends one request, waiting out rate limits and retrying transient
// failures with backoff; an authentication failure stops at once. It
// returns the refused records by index.
func (a *feedbackApplier) write(ctx context.Context, req sdk.FeedbackRequest) (map[int]string, error) {
	name := a.f.Sync.Resolved.Pipeline.Source.Connection
	maxWait := a.opts.MaxWait
	if maxWait == 0 {
		maxWait = 10 * time.Minute
	}
	var waited time.Duration
	backoff := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		resp, err := a.target.WriteFeedback(ctx, req)
		if err == nil {
			failed := map[int]string{}
			if resp != nil {
				for _, f := range resp.Failed {
					failed[f.Row] = f.Reason
				}
			}
			return failed, nil
		}
		if errors.Is(err, sdk.ErrAuth) || ctx.Err() != nil {
			return nil, fmt.Errorf("writing feedback to connection %q: %w", name, err)
		}
		wait := backoff
		var ra *sdk.RetryAfterError
		if errors.As(err, &ra) {
			wait = ra.After
		} else if attempt >= 5 {
			return nil, fmt.Errorf("writing feedback to connection %q (%d attempts): %w", name, attempt, err)
		}
		if waited+wait > maxWait {
			return nil, fmt.Errorf("writing feedback to connection %q: still refused after waiting %s: %w", name, waited, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		waited += wait
		backoff = min(backoff*2, 30*time.Second)
	}
}

// CheckSavedFeedback refuses, naming why, a saved feedback plan made from
// another configuration of the pipeline, one already applied, and one
// made against another state: the checkpoint or the state serial moved,
// or one of its writes was made since.
func (f *FeedbackSync) CheckSavedFeedback(ctx context.Context, pl *FeedbackPlan) error {
	s := f.Sync
	p := s.Resolved.Pipeline
	if pl.Pipeline != p.Name {
		return fmt.Errorf("%w: it is a feedback plan of pipeline %q, not %q", ErrStalePlan, pl.Pipeline, p.Name)
	}
	if pl.ConfigHash != f.ConfigHash() {
		return fmt.Errorf("%w: pipeline %q changed since the feedback plan was made; make a new plan", ErrStalePlan, p.Name)
	}
	runs, err := s.Store.Runs(ctx, p.Name, 0)
	if err != nil {
		return err
	}
	for _, r := range runs {
		if r.Kind == state.RunFeedback && r.PlanID == pl.ID && r.Outcome == state.OutcomeSucceeded {
			return fmt.Errorf("%w: feedback plan %s was already applied (run %d, %s); make a new plan", ErrStalePlan, pl.ID, r.ID, r.StartedAt.Format("2006-01-02 15:04:05 MST"))
		}
	}
	wm, err := s.Store.Watermark(ctx, p.Name, state.WatermarkFeedback)
	if err != nil {
		return err
	}
	if wm.Checkpoint != pl.From {
		return fmt.Errorf("%w: pipeline %q read more events since the feedback plan was made; make a new plan", ErrStalePlan, p.Name)
	}
	idx, ok := s.Store.(state.FeedbackIndex)
	if !ok {
		return fmt.Errorf("the state store cannot list feedback records in bulk")
	}
	done := map[string]state.KeySet{}
	for _, w := range pl.Writes {
		kind := w.Action.doneKind()
		if done[kind] == nil {
			if done[kind], err = idx.DoneTargets(ctx, p.Name, kind); err != nil {
				return err
			}
		}
		if done[kind].Has(w.Marker) {
			return fmt.Errorf("%w: its %s of %s was written since the plan was made; make a new plan", ErrStalePlan, w.Action, writeSubject(w))
		}
	}
	return nil
}

func writeSubject(w FeedbackWrite) string {
	switch {
	case w.SourceID != "":
		return "record " + w.SourceID
	case w.Key != "":
		return w.Key
	}
	return "campaign " + w.Campaign
}
