package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine/plan"
	"github.com/sluice-sync/sluice/engine/schedule"
	"github.com/sluice-sync/sluice/engine/state"
)

// RunOutcome is how one scheduled run of a pipeline ended.
type RunOutcome uint8

const (
	// RunSucceeded applied the plan in full.
	RunSucceeded RunOutcome = iota + 1
	// RunFailed stopped on an error; what was committed stays.
	RunFailed
	// RunInterrupted was asked to stop: before its apply, with nothing
	// written; during it, after committing the batch in flight.
	RunInterrupted
	// RunSkipped did not run: the pipeline is disabled, deleted, or
	// stopped on credentials that are still refused.
	RunSkipped
	// RunBusy did not run: another process holds the pipeline's lease.
	RunBusy
)

var runOutcomeNames = []string{"", "succeeded", "failed", "interrupted", "skipped", "busy"}

func (o RunOutcome) String() string {
	if int(o) > 0 && int(o) < len(runOutcomeNames) {
		return runOutcomeNames[o]
	}
	return fmt.Sprintf("RunOutcome(%d)", uint8(o))
}

// Report is what one scheduled run did.
type Report struct {
	Pipeline string
	Outcome  RunOutcome
	// Err says why the run failed, was interrupted or was skipped.
	Err error
	// Run is the run's id in the state's run log; 0 when none was
	// recorded (a skipped or busy run, a limit refusal).
	Run int64
	// Planned is set when a plan was made: its counts.
	Planned bool
	Summary plan.Summary
	// Counts are what the apply did: add, update, remove, delete and
	// rejected (by the sink); nil when nothing was applied.
	Counts   map[string]int64
	Started  time.Time
	Duration time.Duration
	// Status is the pipeline's status after the run; 0 when it is not
	// registered.
	Status state.PipelineStatus
	// Feedback are the writes of the feedback run that follows a
	// successful sync of a pipeline with a feedback block, by action;
	// FeedbackErr is why it failed (the sync's outcome stands).
	Feedback    map[string]int64
	FeedbackErr error
}

// Observer is told about runs, for metrics. Its methods are called from
// the goroutine running the pipeline, so they must be safe for concurrent
// use by runs of different pipelines.
type Observer interface {
	RunStarted(pipeline string)
	RunFinished(r *Report)
}

// Runner runs one pipeline at a time as the scheduler daemon does: it
// consults the registry, reloads the configuration, takes the pipeline's
// lease, plans, registers and applies, and moves the pipeline's status as
// its connections' credentials and accounts require. It is safe for
// concurrent use by runs of different pipelines; the lease keeps a
// pipeline from running twice at once, here or in another process.
type Runner struct {
	Store state.Store
	// Load reads the configuration afresh for each run, so that settings
	// updated since the last run (a regenerated key) take effect. Its
	// error says what is wrong with the files.
	Load func(ctx context.Context) (*dsl.Config, error)
	// Clock gives the runs' time; nil for schedule.System.
	Clock schedule.Clock
	// Log receives a line per run and per status change; nil discards.
	Log *slog.Logger
	// Observer, when set, is told of each run.
	Observer Observer
	// WriteRows is the members per write to the sink; 0 for the default.
	WriteRows int
	// AllowRemovals applies plans over guard.max_removals.
	AllowRemovals bool
}

func (r *Runner) now() time.Time {
	c := r.Clock
	if c == nil {
		c = schedule.System
	}
	return c.Now().UTC().Truncate(time.Microsecond)
}

func (r *Runner) log() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return r.Log
}

// Run runs pipeline name once and reports how it went.
//
// ctx ending asks the run to stop. Before the apply starts, it stops at
// once and nothing is written. During the apply, the batch in flight is
// written and committed, then the run stops as interrupted; the next run
// re-plans from the committed state. (A process that must stop sooner
// may simply exit: the state is safe at any point.)
func (r *Runner) Run(ctx context.Context, name string) *Report {
	rep := &Report{Pipeline: name, Started: r.now()}
	log := r.log().With("pipeline", name)
	if r.Observer != nil {
		r.Observer.RunStarted(name)
	}
	rn := &run{r: r, ctx: ctx, name: name, rep: rep, log: log}
	rn.do()
	rep.Duration = r.now().Sub(rep.Started)
	if p, err := r.Store.Pipeline(context.WithoutCancel(ctx), name); err == nil {
		rep.Status = p.Status
	}
	rn.logEnd()
	if r.Observer != nil {
		r.Observer.RunFinished(rep)
	}
	return rep
}

// run is the state of one Runner.Run.
type run struct {
	r    *Runner
	ctx  context.Context
	name string
	rep  *Report
	log  *slog.Logger

	reg   state.Pipeline
	known bool // registered
	p     *dsl.Pipeline
	conns *Conns
}

func (rn *run) do() {
	ctx, r := rn.ctx, rn.r
	if ctx.Err() != nil {
		rn.interrupted(fmt.Errorf("stopped before starting"))
		return
	}
	reg, err := r.Store.Pipeline(ctx, rn.name)
	switch {
	case err == nil:
		rn.reg, rn.known = reg, true
	case !errors.Is(err, state.ErrNotFound):
		rn.fail(err, false)
		return
	}
	if rn.known {
		switch reg.Status {
		case state.PipelineDeleted:
			rn.skip(fmt.Errorf("deleted: %s", orUnknown(reg.StatusReason)))
			return
		case state.PipelineDisabled:
			rn.skip(fmt.Errorf("disabled: %s", orUnknown(reg.StatusReason)))
			return
		}
	}
	cfg, err := r.Load(ctx)
	if err != nil {
		rn.fail(fmt.Errorf("loading the pipeline files: %w", err), true)
		return
	}
	rn.p = cfg.Pipelines[rn.name]
	if rn.p == nil {
		rn.fail(fmt.Errorf("pipeline %q is no longer declared in the pipeline files", rn.name), true)
		return
	}
	rn.conns = NewConns(cfg)
	defer rn.conns.Close()

	if rn.known && reg.Status == state.PipelineStoppedCredentials {
		// Try the connections before anything else: a run happens only
		// once they accept their credentials again.
		if err := probe(ctx, rn.conns, rn.p); err != nil {
			if errors.Is(err, sdk.ErrAuth) {
				rn.skip(fmt.Errorf("stopped: credentials: %s; still refused: %w", orUnknown(reg.StatusReason), err))
				return
			}
			rn.fail(err, true)
			return
		}
		rn.log.Info("credentials accepted again; running the stopped pipeline")
	}

	now := r.now()
	resolved, diags := Resolve(ctx, cfg, rn.conns, []string{rn.name}, now)
	if diags.HasErrors() || resolved[rn.name] == nil {
		if err := probe(ctx, rn.conns, rn.p); err != nil && errors.Is(err, sdk.ErrAuth) {
			rn.credentials(err, connOf(err))
			return
		}
		rn.fail(fmt.Errorf("the pipeline does not resolve: %s", diagText(diags)), true)
		return
	}

	// Refusals that must come before anything is written: the limits on
	// new pipelines, and a connection now reporting another account.
	if !rn.known {
		if err := CheckRegisterLimits(ctx, r.Store, cfg.Settings, rn.name, now); err != nil {
			rn.fail(err, false)
			return
		}
	} else {
		accounts, err := Accounts(ctx, rn.conns, rn.p)
		if err != nil {
			rn.classify(err, "")
			return
		}
		if err := CheckAccounts(ctx, r.Store, rn.reg, accounts); err != nil {
			rn.accountChanged(err)
			return
		}
	}

	sy := &Sync{Config: cfg, Store: r.Store, Conns: rn.conns, Resolved: resolved[rn.name], Now: now}
	lease, release, err := sy.Lock(ctx)
	if err != nil {
		if errors.Is(err, state.ErrLocked) {
			rn.rep.Outcome, rn.rep.Err = RunBusy, err
			return
		}
		rn.fail(err, false)
		return
	}
	defer release()

	pr, err := sy.Plan(ctx, nil)
	if err != nil {
		if ctx.Err() != nil {
			rn.interrupted(fmt.Errorf("stopped while planning; nothing was written"))
			return
		}
		rn.classify(err, "")
		return
	}
	rn.rep.Planned, rn.rep.Summary = true, pr.Plan.Summary
	if g := pr.Plan.GuardBreach; g != nil && !r.AllowRemovals {
		rn.fail(fmt.Errorf("%w: it removes or deletes %d of %d members, over the limit of %d. Review the plan with sluice plan, then apply it by hand with -allow-removals if it is right",
			ErrGuard, g.Removals, g.ListSize, g.Limit), true)
		return
	}
	if ctx.Err() != nil {
		rn.interrupted(fmt.Errorf("stopped before applying; nothing was written"))
		return
	}
	if err := sy.Register(ctx); err != nil {
		switch {
		case errors.Is(err, ErrLimit):
			rn.fail(err, false)
		case errors.Is(err, ErrAccountChanged):
			rn.accountChanged(err)
		case errors.Is(err, ErrDisabled), errors.Is(err, ErrDeleted):
			rn.skip(err)
		default:
			rn.classify(err, "")
		}
		return
	}
	if pr.Plan.HasChanges() {
		s := pr.Plan.Summary
		rn.log.Info("applying", "add", s.Add, "update", s.Update, "remove", s.Remove, "delete", s.Delete)
	}

	// The apply runs on a context of its own: a stop request lets the
	// batch in flight finish and commit, and ends the apply at the next
	// batch boundary.
	applyCtx, cancelApply := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelApply()
	progress := func(done, total int) {
		if ctx.Err() != nil && done < total {
			cancelApply()
		}
	}
	res, err := sy.Apply(applyCtx, pr, lease, ApplyOptions{AllowRemovals: r.AllowRemovals, WriteRows: r.WriteRows, Progress: progress})
	if res != nil {
		rn.rep.Run, rn.rep.Counts = res.Run, res.Counts
	}
	switch {
	case err == nil:
		rn.rep.Outcome = RunSucceeded
		if rn.p.Feedback != nil {
			rn.feedback(ctx, sy, lease)
		}
	case applyCtx.Err() != nil:
		rn.rep.Outcome, rn.rep.Err = RunInterrupted, fmt.Errorf("stopped after committing the batch in flight: %w", err)
	case errors.Is(err, sdk.ErrAuth):
		rn.credentials(err, rn.p.Sink.Connection)
	default:
		rn.rep.Outcome, rn.rep.Err = RunFailed, err
	}
}

// classify records a failed run, stopping the pipelines of a connection
// whose credentials were refused. conn names the connection when the
// caller knows it.
func (rn *run) classify(err error, conn string) {
	if errors.Is(err, sdk.ErrAuth) {
		if conn == "" {
			conn = rn.refusingConnection(err)
		}
		rn.credentials(err, conn)
		return
	}
	rn.fail(err, true)
}

// refusingConnection finds which of the pipeline's connections refuses
// its credentials: the one named by err, else the first a probe finds.
// It returns "" when no probe is refused.
func (rn *run) refusingConnection(err error) string {
	if c := connOf(err); c != "" {
		return c
	}
	for _, name := range connectionsOf(rn.p) {
		if perr := probeOne(rn.ctx, rn.conns, rn.p, name); perr != nil && errors.Is(perr, sdk.ErrAuth) {
			return name
		}
	}
	return ""
}

// credentials records a run that failed because conn refused its
// credentials, and stops the pipelines that use it.
func (rn *run) credentials(err error, conn string) {
	rn.fail(err, true)
	stopped, serr := StopForCredentials(context.WithoutCancel(rn.ctx), rn.r.Store, rn.name, conn, err, rn.r.now())
	if serr != nil {
		rn.log.Error("cannot record the stop on credentials", "error", serr)
		return
	}
	if len(stopped) > 0 {
		rn.log.Warn("credentials refused: pipelines stopped until a run with working credentials succeeds",
			"connection", conn, "stopped", strings.Join(stopped, ","), "error", err.Error())
	}
}

func (rn *run) accountChanged(err error) {
	rn.fail(err, true)
	var ace *AccountChangeError
	if errors.As(err, &ace) {
		rn.log.Warn("account changed: pipelines disabled until enabled by hand",
			"connection", ace.Connection, "registered", ace.Registered, "reported", ace.Reported, "disabled", strings.Join(ace.Disabled, ","))
	}
}

func (rn *run) skip(err error) {
	rn.rep.Outcome, rn.rep.Err = RunSkipped, err
}

func (rn *run) interrupted(err error) {
	rn.rep.Outcome, rn.rep.Err = RunInterrupted, err
}

// fail records a failed run; record also writes it to the run log (a
// refusal before anything is written does not).
func (rn *run) fail(err error, record bool) {
	if rn.ctx.Err() != nil {
		// Asked to stop: whatever failed failed for that.
		rn.interrupted(fmt.Errorf("stopped before applying; nothing was written: %w", err))
		return
	}
	rn.rep.Outcome, rn.rep.Err = RunFailed, err
	if !record {
		return
	}
	ctx := context.WithoutCancel(rn.ctx)
	id, serr := rn.r.Store.StartRun(ctx, rn.name, state.RunApply, "")
	if serr == nil {
		var counts map[string]int64
		if rn.rep.Planned {
			counts = summaryCounts(rn.rep.Summary)
		}
		serr = rn.r.Store.FinishRun(ctx, id, state.RunResult{Outcome: state.OutcomeFailed, Error: err.Error(), Counts: counts})
		rn.rep.Run = id
	}
	if serr != nil {
		rn.log.Error("cannot record the run", "error", serr)
	}
}

func (rn *run) logEnd() {
	rep := rn.rep
	attrs := []any{"outcome", rep.Outcome.String(), "duration", rep.Duration.Round(time.Millisecond).String()}
	if rep.Run != 0 {
		attrs = append(attrs, "run", rep.Run)
	}
	if rep.Planned {
		s := rep.Summary
		attrs = append(attrs, "read", s.Read, "unmatched", s.Unmatched, "duplicate", s.Duplicate,
			"excluded", s.Excluded, "unchanged", s.Unchanged, "over_quota", s.OverQuota)
	}
	if c := rep.Counts; c != nil {
		attrs = append(attrs, "added", c["add"], "updated", c["update"], "removed", c["remove"], "deleted", c["delete"])
	}
	if rep.Planned || rep.Counts != nil {
		// Rejected by the mapping (planned) or by the sink (applied).
		attrs = append(attrs, "rejected", int64(rep.Summary.Rejected)+rep.Counts["rejected"])
	}
	if rep.Err != nil {
		attrs = append(attrs, "reason", rep.Err.Error())
	}
	switch rep.Outcome {
	case RunSucceeded:
		rn.log.Info("run finished", attrs...)
	case RunSkipped:
		rn.log.Info("run skipped", attrs...)
	case RunBusy:
		rn.log.Info("run skipped: the pipeline is running elsewhere", attrs...)
	case RunInterrupted:
		rn.log.Warn("run interrupted", attrs...)
	default:
		rn.log.Error("run failed", attrs...)
	}
}

// summaryCounts turns a plan's counts into a run's.
func summaryCounts(s plan.Summary) map[string]int64 {
	return map[string]int64{
		"read": int64(s.Read), "selected": int64(s.Selected), "unmatched": int64(s.Unmatched),
		"rejected": int64(s.Rejected), "duplicate": int64(s.Duplicate), "excluded": int64(s.Excluded),
		"add": int64(s.Add), "update": int64(s.Update), "unchanged": int64(s.Unchanged),
		"over_quota": int64(s.OverQuota), "remove": int64(s.Remove), "delete": int64(s.Delete),
	}
}

// connError is a connection's failure, naming it.
type connError struct {
	conn string
	err  error
}

func (e *connError) Error() string { return e.err.Error() }
func (e *connError) Unwrap() error { return e.err }

func connOf(err error) string {
	var ce *connError
	if errors.As(err, &ce) {
		return ce.conn
	}
	return ""
}

// probe tries each of p's connections with the cheapest calls a run makes
// first (the source's Discover, the sink's Describe), and returns the
// first failure, naming its connection.
func probe(ctx context.Context, conns *Conns, p *dsl.Pipeline) error {
	for _, name := range connectionsOf(p) {
		if err := probeOne(ctx, conns, p, name); err != nil {
			return err
		}
	}
	return nil
}

func probeOne(ctx context.Context, conns *Conns, p *dsl.Pipeline, name string) error {
	conn, err := conns.Get(ctx, name)
	if err != nil {
		return &connError{name, err}
	}
	if src, ok := conn.(sdk.Source); ok && p.Source != nil && p.Source.Connection == name {
		if _, err := src.Discover(ctx, sdk.DiscoverRequest{Stream: p.Source.Module}); err != nil {
			return &connError{name, fmt.Errorf("connection %q: %w", name, err)}
		}
	}
	if snk, ok := conn.(sdk.Sink); ok && p.Sink != nil && p.Sink.Connection == name {
		if _, err := snk.Describe(ctx, sdk.DescribeRequest{List: p.Sink.List}); err != nil {
			return &connError{name, fmt.Errorf("connection %q: %w", name, err)}
		}
	}
	return nil
}

// diagText renders diagnostics on one line, for a log or a run's error.
func diagText(diags hcl.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		s := d.Summary
		if d.Subject != nil {
			s = d.Subject.String() + ": " + s
		}
		if d.Detail != "" {
			s += ": " + d.Detail
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "its source or sink connection is not usable; run sluice validate"
	}
	return strings.Join(parts, "; ")
}
