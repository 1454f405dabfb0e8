package state

import (
	"context"
	"time"
)

// RunLog records the runs of pipelines: what ran, how it ended, and its
// counts. Runs are keyed by pipeline name, so a plan of a pipeline that was
// never applied is recorded too.
type RunLog interface {
	// StartRun records the start of a run and returns its id. planID is
	// the id of the saved plan an apply applies, "" otherwise.
	StartRun(ctx context.Context, pipeline string, kind RunKind, planID string) (int64, error)
	// FinishRun records how a running run ended. Counts, when not nil,
	// replace the counts recorded so far. An unknown run wraps
	// ErrNotFound; a run can be finished once.
	FinishRun(ctx context.Context, id int64, result RunResult) error
	// Runs returns the latest runs of pipeline, newest first; limit <= 0
	// means all of them.
	Runs(ctx context.Context, pipeline string, limit int) ([]Run, error)
	// PlanApplied returns the apply run that successfully applied the
	// saved plan planID, if any, so that a plan is not applied twice.
	PlanApplied(ctx context.Context, planID string) (Run, bool, error)
}

// Run is a recorded run.
type Run struct {
	ID         int64
	Pipeline   string
	Kind       RunKind
	PlanID     string
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	Outcome    Outcome
	Error      string
	Counts     map[string]int64
}

// RunResult is how a run ended.
type RunResult struct {
	Outcome Outcome // not OutcomeRunning
	Error   string  // the error, for a failed or interrupted run
	Counts  map[string]int64
}

// RunKind is what a run does.
type RunKind uint8

const (
	RunPlan     RunKind = iota + 1 // computes a plan, changes no state
	RunApply                       // plans (or takes a saved plan) and applies it
	RunFeedback                    // writes the sink's events back to the source
)

var runKindNames = []string{"", "plan", "apply", "feedback"}

func (k RunKind) String() string { return enumString(runKindNames, "RunKind", k) }

// Outcome is how a run ended, or OutcomeRunning until it does.
type Outcome uint8

const (
	OutcomeRunning Outcome = iota + 1
	OutcomeSucceeded
	OutcomeFailed
	// OutcomeInterrupted is a run that was stopped (a signal, a lost lease)
	// or found dead by a later run.
	OutcomeInterrupted
)

var outcomeNames = []string{"", "running", "succeeded", "failed", "interrupted"}

func (o Outcome) String() string { return enumString(outcomeNames, "Outcome", o) }
