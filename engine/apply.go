package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/engine/plan"
	"github.com/sluice-sync/sluice/engine/state"
)

// ErrGuard is wrapped by the error of applying a plan that removes more
// members than guard.max_removals allows.
var ErrGuard = errors.New("the plan removes more members than guard.max_removals allows")

// ErrStalePlan is wrapped by the error of applying a saved plan that no
// longer fits the state or the pipeline.
var ErrStalePlan = errors.New("the saved plan is stale")

// DefaultWriteRows bounds the members of one write to a sink.
const DefaultWriteRows = 5000

// ApplyRequest is what Apply needs.
type ApplyRequest struct {
	Prepared       *Prepared
	Store          state.Store
	Sink           sdk.Sink
	SinkConnection string
	Token          int64 // the pipeline's lease token
	AllowRemovals  bool
	WriteRows      int
	// Progress, when set, is called after each batch with the changes done.
	Progress func(done, total int)
	// MaxWait bounds the total time spent waiting out rate limits.
	MaxWait time.Duration
}

// ApplyResult is what an apply did.
type ApplyResult struct {
	Run      int64
	Counts   map[string]int64
	Rejected []state.Rejection // refused by the sink this run
}

// Apply sends a plan's changes to the sink in batches and commits the state
// for exactly the records the sink accepted, batch by batch, with the run's
// progress. A record the sink refused is kept as rejected, with its reason,
// and is retried next run. Removals go first, so they free their places
// before adds take them.
func Apply(ctx context.Context, req ApplyRequest) (*ApplyResult, error) {
	pr := req.Prepared
	pl := pr.Plan
	p := pr.Resolved.Pipeline
	if pl.GuardBreach != nil && !req.AllowRemovals {
		g := pl.GuardBreach
		return nil, fmt.Errorf("%w: it removes or deletes %d of %d members, over the limit of %d. Review the plan, then apply with -allow-removals if it is right", ErrGuard, g.Removals, g.ListSize, g.Limit)
	}
	serial, err := req.Store.Serial(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	if serial != pl.StateSerial {
		return nil, fmt.Errorf("%w: the state of pipeline %q changed since the plan was made (serial %d, now %d); make a new plan", ErrStalePlan, p.Name, pl.StateSerial, serial)
	}
	run, err := req.Store.StartRun(ctx, p.Name, state.RunApply, pl.ID)
	if err != nil {
		return nil, err
	}
	a := &applier{req: req, run: run, counts: map[string]int64{}, minRejectedCursor: noCursor}
	err = a.apply(ctx)
	result := state.RunResult{Outcome: state.OutcomeSucceeded, Counts: a.counts}
	if err != nil {
		result.Outcome, result.Error = state.OutcomeFailed, err.Error()
		if ctx.Err() != nil {
			result.Outcome = state.OutcomeInterrupted
		}
	}
	// Record the outcome even when the run's context is cancelled.
	if ferr := req.Store.FinishRun(context.WithoutCancel(ctx), run, result); ferr != nil && err == nil {
		err = ferr
	}
	return &ApplyResult{Run: run, Counts: a.counts, Rejected: a.rejected}, err
}

type applier struct {
	req               ApplyRequest
	run               int64
	counts            map[string]int64
	rejected          []state.Rejection
	done, total       int
	minRejectedCursor int64
}

func (a *applier) apply(ctx context.Context) error {
	pl := a.req.Prepared.Plan
	var removes, deletes, upserts []*plan.Change
	for i := range pl.Changes {
		c := &pl.Changes[i]
		switch c.Action {
		case plan.Remove:
			removes = append(removes, c)
		case plan.Delete:
			deletes = append(deletes, c)
		default:
			upserts = append(upserts, c)
		}
	}
	a.total = len(pl.Changes)
	if err := a.keys(ctx, sdk.OpRemove, removes); err != nil {
		return err
	}
	if err := a.keys(ctx, sdk.OpDelete, deletes); err != nil {
		return err
	}
	if err := a.upserts(ctx, upserts); err != nil {
		return err
	}
	return a.final(ctx)
}

func (a *applier) rows() int {
	if a.req.WriteRows > 0 {
		return a.req.WriteRows
	}
	return DefaultWriteRows
}

// keys sends removes or deletes in batches and commits them.
func (a *applier) keys(ctx context.Context, op sdk.Op, changes []*plan.Change) error {
	pr := a.req.Prepared
	key := pr.Resolved.Program.Key
	bb := newBatchBuilder(keySchema(key))
	defer bb.release()
	for i := 0; i < len(changes); i += a.rows() {
		chunk := changes[i:min(i+a.rows(), len(changes))]
		for _, c := range chunk {
			bb.append([]any{c.Key})
		}
		failed, err := a.write(ctx, op, bb)
		if err != nil {
			return err
		}
		commit := a.commit()
		for j, c := range chunk {
			if reason, bad := failed[j]; bad {
				a.reject(commit, c, reason, noCursor)
				continue
			}
			commit.Delete = append(commit.Delete, c.Key)
			a.counts[c.Action.String()]++
		}
		if err := a.send(ctx, commit, len(chunk)); err != nil {
			return err
		}
	}
	return nil
}

// upserts sends adds and updates in batches and commits the accepted ones.
func (a *applier) upserts(ctx context.Context, changes []*plan.Change) error {
	pr := a.req.Prepared
	out := pr.Resolved.Program.Output
	bb := newBatchBuilder(memberSchema(out))
	defer bb.release()
	for i := 0; i < len(changes); i += a.rows() {
		chunk := changes[i:min(i+a.rows(), len(changes))]
		cands := make([]*candidate, len(chunk))
		for j, c := range chunk {
			w := pr.winners[c.Key]
			if w == nil {
				return fmt.Errorf("the plan's %s of %q has no mapped record", c.Action, c.Key)
			}
			cands[j] = w
			bb.append(w.vals)
		}
		if err := a.intend(ctx, chunk, cands); err != nil {
			return err
		}
		failed, err := a.write(ctx, sdk.OpUpsert, bb)
		if err != nil {
			return err
		}
		commit := a.commit()
		commit.Upsert = make([]state.Member, 0, len(chunk))
		commit.Resolved = make([]state.RecordRef, 0, len(chunk))
		for j, c := range chunk {
			w := cands[j]
			if _, bad := failed[j]; bad && c.Action == plan.Add {
				// The member never reached the list: forget the intent.
				commit.Delete = append(commit.Delete, c.Key)
			}
			if reason, bad := failed[j]; bad {
				a.reject(commit, c, reason, w.cursor)
				continue
			}
			w.encode(out)
			commit.Upsert = append(commit.Upsert, state.Member{
				Key: c.Key, SourceID: w.srcID, Position: w.pos, Hash: w.hash,
				Fields: w.enc, Status: state.MemberActive,
			})
			commit.Resolved = append(commit.Resolved, state.RecordRef{SourceID: w.srcID, Key: c.Key})
			a.counts[c.Action.String()]++
		}
		if err := a.send(ctx, commit, len(chunk)); err != nil {
			return err
		}
	}
	return nil
}

// pendingHash marks a member whose add was sent but not acknowledged.
// No field encoding hashes to it in practice, so the next plan sends the
// member again (a harmless upsert) or removes it, as the source says.
const pendingHash = 0

// pendingFields are the stored fields of a pending member: none known.
// Shared by every intent; the store does not keep or change it.
var pendingFields = []byte("{}")

// intend records the members of a batch as pending before they are sent.
// A run killed after the sink wrote them but before the state recorded it
// then still knows they may be on the list, with unknown fields: the next
// plan sends them again (a harmless upsert) or removes them, as the source
// says. Nothing the sink holds is unknown to the state.
func (a *applier) intend(ctx context.Context, chunk []*plan.Change, cands []*candidate) error {
	c := a.commit()
	c.Upsert = make([]state.Member, 0, len(chunk))
	for j, ch := range chunk {
		w := cands[j]
		c.Upsert = append(c.Upsert, state.Member{Key: ch.Key, SourceID: w.srcID, Position: w.pos,
			Hash: pendingHash, Fields: pendingFields, Status: state.MemberActive})
	}
	if len(c.Upsert) == 0 {
		return nil
	}
	if _, err := a.req.Store.Commit(ctx, c); err != nil {
		return fmt.Errorf("committing the state: %w", err)
	}
	return nil
}

func (a *applier) commit() *state.Commit {
	return &state.Commit{Pipeline: a.req.Prepared.Plan.Pipeline, Token: a.req.Token, Run: a.run}
}

func (a *applier) reject(c *state.Commit, ch *plan.Change, reason string, cursor int64) {
	r := state.Rejection{SourceID: ch.SourceID, Key: ch.Key, Reason: reason}
	c.Rejected = append(c.Rejected, r)
	a.rejected = append(a.rejected, r)
	a.counts["rejected"]++
	if cursor != noCursor && (a.minRejectedCursor == noCursor || cursor < a.minRejectedCursor) {
		a.minRejectedCursor = cursor
	}
}

// send commits one batch's outcome with the run's progress.
func (a *applier) send(ctx context.Context, c *state.Commit, n int) error {
	c.Progress = cloneCounts(a.counts)
	if _, err := a.req.Store.Commit(ctx, c); err != nil {
		return fmt.Errorf("committing the state: %w", err)
	}
	a.done += n
	if a.req.Progress != nil {
		a.req.Progress(a.done, a.total)
	}
	return nil
}

// final records the records rejected while planning and advances the
// source watermark: to the highest cursor read, but never past a record
// the sink refused, so an incremental read sees it again.
func (a *applier) final(ctx context.Context) error {
	pr := a.req.Prepared
	c := a.commit()
	for _, s := range pr.rejected {
		if s.SourceID == "" && s.Key == "" {
			continue // a row the source could not read: it is in the plan only
		}
		c.Rejected = append(c.Rejected, state.Rejection{SourceID: s.SourceID, Key: s.Key, Reason: s.Reason})
	}
	if pr.incremental && pr.watermark != noCursor {
		wm := pr.watermark
		if a.minRejectedCursor != noCursor && a.minRejectedCursor-1 < wm {
			wm = a.minRejectedCursor - 1
		}
		c.Watermarks = map[string]state.Watermark{state.WatermarkSource: {Cursor: time.UnixMicro(wm).UTC()}}
	}
	return a.send(ctx, c, 0)
}

// write sends one batch, waiting out rate limits and retrying transient
// failures with backoff; an authentication failure stops at once. It
// returns the refused rows by index.
func (a *applier) write(ctx context.Context, op sdk.Op, bb *batchBuilder) (map[int]string, error) {
	rec := bb.build()
	defer rec.Release()
	pr := a.req.Prepared
	sinkDecl := pr.Resolved.Pipeline.Sink
	req := sdk.WriteRequest{List: sinkDecl.List, Create: sinkDecl.Create, Key: pr.Resolved.Program.Key, Op: op}
	maxWait := a.req.MaxWait
	if maxWait == 0 {
		maxWait = 10 * time.Minute
	}
	var waited time.Duration
	backoff := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		resp, err := a.req.Sink.Write(ctx, req, rec)
		if err == nil {
			failed := make(map[int]string, len(resp.Failed))
			for _, f := range resp.Failed {
				failed[f.Row] = f.Reason
			}
			return failed, nil
		}
		if errors.Is(err, sdk.ErrAuth) || ctx.Err() != nil || errors.Is(err, sdk.ErrListNotFound) {
			return nil, fmt.Errorf("writing to connection %q: %w", a.req.SinkConnection, err)
		}
		wait := backoff
		var ra *sdk.RetryAfterError
		if errors.As(err, &ra) {
			wait = ra.After
		} else if attempt >= 5 {
			return nil, fmt.Errorf("writing to connection %q (%d attempts): %w", a.req.SinkConnection, attempt, err)
		}
		if waited+wait > maxWait {
			return nil, fmt.Errorf("writing to connection %q: still refused after waiting %s: %w", a.req.SinkConnection, waited, err)
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

func cloneCounts(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
