package state

import (
	"context"
	"time"
)

// Registry is the org-wide list of pipelines that were applied at least
// once. Limits count it; scheduled runs consult each pipeline's status.
// Pipelines are never removed from it: a deleted one keeps its row (status
// PipelineDeleted) so that its members and reports stay attributable.
type Registry interface {
	// RegisterPipeline records p on its first apply. A zero RegisteredAt
	// means now; a zero Status means PipelineActive. It returns the stored
	// pipeline, or an error wrapping ErrExists when the name is taken.
	RegisterPipeline(ctx context.Context, p Pipeline) (Pipeline, error)
	// UpdatePipeline replaces the configuration of a registered pipeline:
	// ConfigHash, connections, module, list and Accounts. It leaves Status,
	// StatusReason and RegisteredAt alone. An unknown name wraps
	// ErrNotFound.
	UpdatePipeline(ctx context.Context, p Pipeline) error
	// Pipeline returns one pipeline; an unknown name wraps ErrNotFound.
	Pipeline(ctx context.Context, name string) (Pipeline, error)
	// Pipelines returns every registered pipeline, sorted by name.
	Pipelines(ctx context.Context) ([]Pipeline, error)
	// SetPipelineStatus changes a pipeline's status and says why (the
	// reason is shown when a scheduled run skips it; "" clears it).
	SetPipelineStatus(ctx context.Context, name string, status PipelineStatus, reason string) error
	// CountActivePipelines counts the pipelines whose status is
	// PipelineActive, for limits.max_active_pipelines.
	CountActivePipelines(ctx context.Context) (int, error)
	// CountRegisteredPipelines counts the pipelines registered in
	// [from, to), whatever their status now, for the per-day and per-month
	// limits on new pipelines.
	CountRegisteredPipelines(ctx context.Context, from, to time.Time) (int, error)
}

// Pipeline is a registered pipeline.
type Pipeline struct {
	Name string
	// ConfigHash identifies the pipeline's configuration as last applied.
	ConfigHash       string
	SourceConnection string
	SourceModule     string // the source stream; "" for the connector's only one
	SinkConnection   string
	SinkList         string
	// Accounts maps a connection name to the account id that connection
	// reported when the pipeline was registered (or last re-enabled). A
	// connection that later reports another account disables the pipeline.
	Accounts     map[string]string
	Status       PipelineStatus
	StatusReason string // why the status was set; "" when active
	RegisteredAt time.Time
}

// PipelineStatus says whether a registered pipeline runs.
type PipelineStatus uint8

const (
	// PipelineActive runs when asked or scheduled.
	PipelineActive PipelineStatus = iota + 1
	// PipelineDisabled was disabled by a person, or because a connection
	// reported another account; `sluice pipelines enable` lifts it.
	PipelineDisabled
	// PipelineStoppedCredentials had a connection's credentials refused;
	// scheduled runs skip it until a run with working credentials succeeds.
	PipelineStoppedCredentials
	// PipelineDeleted has no future runs; its members stay on the list and
	// its responses stay in the reports.
	PipelineDeleted
)

var pipelineStatusNames = []string{"", "active", "disabled", "stopped_credentials", "deleted"}

func (s PipelineStatus) String() string {
	return enumString(pipelineStatusNames, "PipelineStatus", s)
}
