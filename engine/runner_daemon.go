package engine

import (
	"context"
	"log/slog"
	"sort"
	"time"

	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine/schedule"
	"github.com/sluice-sync/sluice/engine/state"
)

// Job is a pipeline the daemon schedules.
type Job struct {
	Name     string
	Schedule *dsl.Schedule
}

// Daemon is the scheduler: it runs each job at its schedule's slots,
// never two runs of one pipeline at once, and at most Parallel runs in
// all. After downtime, a pipeline that missed slots runs once at start;
// one whose run outlasted its interval runs once more as soon as it ends.
type Daemon struct {
	// Clock drives the schedule; nil for schedule.System.
	Clock schedule.Clock
	// Runs is the run log the last run of each pipeline is read from at
	// start.
	Runs state.RunLog
	// Run runs one pipeline (Runner.Run). The daemon never calls it for a
	// pipeline whose previous call has not returned.
	Run func(ctx context.Context, name string) *Report
	// Log receives the schedule's lines; nil discards.
	Log *slog.Logger
	// Parallel bounds the runs at once; 0 means 1.
	Parallel int
	// BusyRetry is how long a pipeline that another process is running
	// waits before it is tried again; 0 for LeaseTTL.
	BusyRetry time.Duration
	// Scheduled, when set, is told each pipeline's next run (the zero
	// time for none) at start and after each of its runs, from Serve's
	// goroutine: for metrics, and for tests to know the daemon's plan.
	Scheduled func(pipeline string, next time.Time)
}

type jobState struct {
	Job
	last    time.Time // start of the last run that counts for the schedule
	tried   bool      // a once job ran (and failed) in this process
	retryAt time.Time // a busy job is not tried before
	due     time.Time // zero: no run ahead
	running bool
}

type finished struct {
	j   *jobState
	rep *Report
}

// Serve runs the jobs until ctx ends, or until none of them has a run
// ahead (once schedules that succeeded). When ctx ends it starts no new
// run and waits for those in flight, which stop after committing their
// batch in flight (see Runner.Run), then returns nil. It returns an error
// only when the run log cannot be read at start.
func (d *Daemon) Serve(ctx context.Context, jobs []Job) error {
	clock := d.Clock
	if clock == nil {
		clock = schedule.System
	}
	log := d.Log
	if log == nil {
		log = (&Runner{}).log()
	}
	parallel := max(d.Parallel, 1)
	now := clock.Now()
	states := make([]*jobState, 0, len(jobs))
	for _, j := range jobs {
		last, err := LastScheduledRun(ctx, d.Runs, j.Name, j.Schedule)
		if err != nil {
			return err
		}
		js := &jobState{Job: j, last: last}
		js.due = d.dueOf(js, now)
		states = append(states, js)
		if d.Scheduled != nil {
			d.Scheduled(j.Name, js.due)
		}
		attrs := []any{"pipeline", j.Name, "schedule", schedule.Describe(j.Schedule)}
		if !last.IsZero() {
			attrs = append(attrs, "last_run", last.UTC().Format(time.RFC3339))
		}
		if js.due.IsZero() {
			log.Info("no run ahead", append(attrs, "why", "a once schedule that already succeeded")...)
		} else {
			log.Info("scheduled", append(attrs, "next_run", js.due.UTC().Format(time.RFC3339))...)
		}
	}

	done := make(chan finished)
	running := 0
	for ctx.Err() == nil {
		now = clock.Now()
		for _, js := range byDue(states) {
			if running >= parallel {
				break
			}
			if js.running || js.due.IsZero() || js.due.After(now) {
				continue
			}
			js.running = true
			running++
			go func(js *jobState) {
				done <- finished{js, d.Run(ctx, js.Name)}
			}(js)
		}
		var next time.Time
		for _, js := range states {
			if !js.running && !js.due.IsZero() && (next.IsZero() || js.due.Before(next)) {
				next = js.due
			}
		}
		if running == 0 && next.IsZero() {
			log.Info("no pipeline has a run ahead; stopping")
			return nil
		}
		var timer schedule.Timer
		var fire <-chan time.Time
		if !next.IsZero() && running < parallel {
			timer = clock.NewTimer(next.Sub(now))
			fire = timer.C()
		}
		var f *finished
		select {
		case <-ctx.Done():
		case <-fire:
		case fin := <-done:
			f = &fin
		}
		if timer != nil {
			timer.Stop()
		}
		if f != nil {
			running--
			d.finish(*f, clock.Now(), log)
		}
	}
	if running > 0 {
		log.Info("stopping: waiting for the runs in flight to commit their batch", "runs", running)
	}
	for running > 0 {
		f := <-done
		running--
		d.finish(f, clock.Now(), log)
	}
	log.Info("stopped")
	return nil
}

// finish records a run's end in its job and schedules the job's next run.
func (d *Daemon) finish(f finished, now time.Time, log *slog.Logger) {
	js, rep := f.j, f.rep
	js.running = false
	switch rep.Outcome {
	case RunBusy:
		retry := d.BusyRetry
		if retry <= 0 {
			retry = LeaseTTL
		}
		js.retryAt = now.Add(retry)
	case RunInterrupted:
		// The slot was not served: the next start runs it.
	default:
		if js.Schedule != nil && js.Schedule.Repeat == dsl.RepeatOnce {
			js.tried = true
			if rep.Outcome == RunSucceeded {
				js.last = rep.Started
			} else if rep.Outcome == RunFailed {
				log.Warn("a once pipeline failed: it is tried again at the next start of the scheduler", "pipeline", js.Name)
			}
		} else {
			js.last = rep.Started
		}
	}
	js.due = d.dueOf(js, now)
	if d.Scheduled != nil {
		d.Scheduled(js.Name, js.due)
	}
	switch {
	case rep.Outcome == RunInterrupted:
	case js.due.IsZero():
		log.Info("no run ahead", "pipeline", js.Name)
	default:
		log.Info("next run", "pipeline", js.Name, "at", js.due.UTC().Format(time.RFC3339))
	}
}

func (d *Daemon) dueOf(js *jobState, now time.Time) time.Time {
	if js.tried {
		return time.Time{}
	}
	due := schedule.Next(js.Schedule, js.last, now)
	if !due.IsZero() && js.retryAt.After(due) {
		due = js.retryAt
	}
	return due
}

// byDue returns the jobs by due time, then name.
func byDue(states []*jobState) []*jobState {
	out := append([]*jobState(nil), states...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.due.Equal(b.due) {
			return a.due.Before(b.due)
		}
		return a.Name < b.Name
	})
	return out
}

// LastScheduledRun returns the start of pipeline's last run that counts
// for schedule s, from the run log: the last apply that succeeded or
// failed, manual applies included (an interrupted run, or one still marked
// running, did not serve its slot); for a once schedule, the last that
// succeeded. It is the zero time when there is none.
func LastScheduledRun(ctx context.Context, runs state.RunLog, pipeline string, s *dsl.Schedule) (time.Time, error) {
	const window = 200
	rs, err := runs.Runs(ctx, pipeline, window)
	if err != nil {
		return time.Time{}, err
	}
	once := s != nil && s.Repeat == dsl.RepeatOnce
	for _, r := range rs {
		if r.Kind != state.RunApply {
			continue
		}
		switch r.Outcome {
		case state.OutcomeSucceeded:
			return r.StartedAt, nil
		case state.OutcomeFailed:
			if !once {
				return r.StartedAt, nil
			}
		}
	}
	return time.Time{}, nil
}
