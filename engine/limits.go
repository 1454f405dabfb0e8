package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine/state"
)

// ErrLimit is wrapped by a *LimitError: registering or enabling a pipeline
// would breach one of settings.limits.
var ErrLimit = errors.New("pipeline limit reached")

// LimitError says which of settings.limits a pipeline would breach, what
// was counted, and what to do about it.
type LimitError struct {
	Limit    string // the attribute: "max_active_pipelines", …
	Max      int    // its value
	Count    int    // what the state counts now
	Pipeline string // the pipeline refused
	// Counted names what was counted, e.g. "active pipelines (a, b)".
	Counted string
	// Until is when a per-day or per-month limit frees up again; zero for
	// max_active_pipelines.
	Until time.Time
}

func (e *LimitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "settings.limits.%s is %d and %s %d %s", e.Limit, e.Max, isAre(e.Count), e.Count, e.Counted)
	if e.Until.IsZero() {
		fmt.Fprintf(&b, ", so pipeline %q cannot be active too. Disable or delete a pipeline first (sluice pipelines disable NAME, or sluice pipelines delete NAME), or raise the limit", e.Pipeline)
	} else {
		fmt.Fprintf(&b, ", so pipeline %q cannot be registered now. Wait until %s, or raise the limit (disabling or deleting pipelines does not free this one)", e.Pipeline, e.Until.Format("2006-01-02 15:04 MST"))
	}
	return b.String()
}

// Is reports whether target is ErrLimit.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

func isAre(n int) string {
	if n == 1 {
		return "there is"
	}
	return "there are"
}

// Runnable reports whether a pipeline in status s holds one of the places
// that max_active_pipelines counts: active ones, and those stopped on
// credentials, which resume by themselves.
func Runnable(s state.PipelineStatus) bool {
	return s == state.PipelineActive || s == state.PipelineStoppedCredentials
}

// CheckActiveLimit refuses making pipeline name active when
// max_active_pipelines places are already taken by other pipelines. A zero
// limit is no limit.
func CheckActiveLimit(ctx context.Context, reg state.Registry, lim dsl.Limits, name string) error {
	if lim.MaxActivePipelines <= 0 {
		return nil
	}
	all, err := reg.Pipelines(ctx)
	if err != nil {
		return err
	}
	var names []string
	for _, p := range all {
		if Runnable(p.Status) && p.Name != name {
			names = append(names, p.Name)
		}
	}
	if len(names) < lim.MaxActivePipelines {
		return nil
	}
	return &LimitError{Limit: "max_active_pipelines", Max: lim.MaxActivePipelines, Count: len(names),
		Pipeline: name, Counted: "active " + plural(len(names), "pipeline") + " (" + shortList(names, 5) + ")"}
}

// CheckNewLimits refuses registering a new pipeline when the calendar day
// or month of now, in loc (nil for UTC), already had
// max_new_pipelines_per_day or max_new_pipelines_per_month registrations.
// Pipelines count whatever their status now: deleting one does not undo
// its registration.
func CheckNewLimits(ctx context.Context, reg state.Registry, lim dsl.Limits, loc *time.Location, name string, now time.Time) error {
	if loc == nil {
		loc = time.UTC
	}
	lt := now.In(loc)
	y, m, d := lt.Date()
	windows := []struct {
		limit    string
		max      int
		from, to time.Time
		what     string
	}{
		{"max_new_pipelines_per_day", lim.MaxNewPipelinesPerDay,
			time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc),
			fmt.Sprintf("registered on %s (%s)", lt.Format("2006-01-02"), loc)},
		{"max_new_pipelines_per_month", lim.MaxNewPipelinesPerMonth,
			time.Date(y, m, 1, 0, 0, 0, 0, loc), time.Date(y, m+1, 1, 0, 0, 0, 0, loc),
			fmt.Sprintf("registered in %s (%s)", lt.Format("January 2006"), loc)},
	}
	for _, w := range windows {
		if w.max <= 0 {
			continue
		}
		n, err := reg.CountRegisteredPipelines(ctx, w.from, w.to)
		if err != nil {
			return err
		}
		if n >= w.max {
			return &LimitError{Limit: w.limit, Max: w.max, Count: n, Pipeline: name,
				Counted: plural(n, "pipeline") + " " + w.what, Until: w.to}
		}
	}
	return nil
}

// CheckRegisterLimits runs every check a new pipeline must pass before it
// is registered: the active places, then the new pipelines per day and per
// month. Nothing is written.
func CheckRegisterLimits(ctx context.Context, reg state.Registry, s *dsl.Settings, name string, now time.Time) error {
	if s == nil {
		return nil
	}
	if err := CheckActiveLimit(ctx, reg, s.Limits, name); err != nil {
		return err
	}
	return CheckNewLimits(ctx, reg, s.Limits, s.TimeZone, name, now)
}

func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// shortList joins at most max names, saying how many more there are.
func shortList(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}
