package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/engine/state"
)

// feedback runs the pipeline's feedback block after a successful sync,
// under the sync's lease: the sink's events since the feedback checkpoint
// are recorded for the reports and written back into the source. Its
// failure does not undo the sync; it is logged and reported in
// Report.FeedbackErr, and a source refusing its credentials stops the
// pipelines using it as a sync would.
func (rn *run) feedback(ctx context.Context, sy *Sync, lease state.Lease) {
	if ctx.Err() != nil {
		rn.log.Info("feedback skipped: stop requested")
		return
	}
	prog, diags := ResolveFeedback(sy.Resolved, sy.Now)
	if diags.HasErrors() {
		rn.feedbackFailed(fmt.Errorf("the feedback block does not compile: %s", diagText(diags)))
		return
	}
	fs := &FeedbackSync{Sync: sy, Program: prog}
	in, err := fs.Ingest(ctx)
	if err != nil {
		rn.feedbackFailed(err)
		return
	}
	pl, err := fs.Plan(ctx, in)
	if err != nil {
		rn.feedbackFailed(err)
		return
	}
	// As for the sync: a stop request lets the write in flight finish.
	applyCtx, cancelApply := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelApply()
	res, err := fs.Apply(applyCtx, pl, lease, FeedbackApplyOptions{Progress: func(done, total int) {
		if ctx.Err() != nil && done < total {
			cancelApply()
		}
	}})
	if res != nil {
		rn.rep.Feedback = res.Counts
	}
	if err != nil {
		rn.feedbackFailed(err)
		return
	}
	attrs := []any{"events", in.Events, "new_events", in.NewEvents}
	for _, a := range []FeedbackAction{CreateCampaign, SetMemberStatus, SetStatusField, PushRecipient} {
		attrs = append(attrs, a.String(), res.Counts[a.String()])
	}
	rn.log.Info("feedback finished", append(attrs, "rejected", res.Counts["rejected"])...)
}

func (rn *run) feedbackFailed(err error) {
	rn.rep.FeedbackErr = err
	if rn.ctx.Err() != nil {
		// Asked to stop: the next run's feedback reads the events again.
		rn.log.Warn("feedback interrupted", "error", err.Error())
		return
	}
	rn.log.Error("feedback failed", "error", err.Error())
	if errors.Is(err, sdk.ErrAuth) {
		conn := rn.p.Source.Connection
		stopped, serr := StopForCredentials(context.WithoutCancel(rn.ctx), rn.r.Store, rn.name, conn, err, rn.r.now())
		if serr != nil {
			rn.log.Error("cannot record the stop on credentials", "error", serr)
		} else if len(stopped) > 0 {
			rn.log.Warn("credentials refused: pipelines stopped until a run with working credentials succeeds", "connection", conn, "stopped", fmt.Sprint(stopped))
		}
	}
}
