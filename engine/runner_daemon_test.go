package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/schedule/scheduletest"
	"github.com/sluice-sync/sluice/engine/state"
)

// fakeRuns is a run log holding fixed runs.
type fakeRuns struct {
	state.RunLog
	runs map[string][]state.Run // newest first
}

func (f fakeRuns) Runs(ctx context.Context, pipeline string, limit int) ([]state.Run, error) {
	return f.runs[pipeline], nil
}

// scripted is a Run function that records each run's start on the fake
// clock and, for the pipelines in block, waits for the test to release
// the run.
type scripted struct {
	clock   *scheduletest.Clock
	mu      sync.Mutex
	starts  map[string][]time.Time
	active  map[string]int
	overlap bool
	block   map[string]chan struct{}
	started chan string
	outcome map[string]engine.RunOutcome
}

func newScripted(clock *scheduletest.Clock) *scripted {
	return &scripted{clock: clock, starts: map[string][]time.Time{}, active: map[string]int{},
		block: map[string]chan struct{}{}, started: make(chan string, 16), outcome: map[string]engine.RunOutcome{}}
}

func (s *scripted) run(ctx context.Context, name string) *engine.Report {
	s.mu.Lock()
	now := s.clock.Now()
	s.starts[name] = append(s.starts[name], now)
	s.active[name]++
	if s.active[name] > 1 {
		s.overlap = true
	}
	block, outcome := s.block[name], s.outcome[name]
	s.mu.Unlock()
	s.started <- name
	if block != nil {
		<-block
	}
	s.mu.Lock()
	s.active[name]--
	s.mu.Unlock()
	if outcome == 0 {
		outcome = engine.RunSucceeded
	}
	return &engine.Report{Pipeline: name, Outcome: outcome, Started: now}
}

func (s *scripted) startsOf(name string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, t := range s.starts[name] {
		out = append(out, t.UTC().Format(time.RFC3339))
	}
	return out
}

func waitStarted(t *testing.T, s *scripted, want string) {
	t.Helper()
	select {
	case got := <-s.started:
		if got != want {
			t.Fatalf("%s started, want %s", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s did not start", want)
	}
}

// idle waits until the daemon sleeps on its timer.
func idle(t *testing.T, c *scheduletest.Clock) time.Time {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if !c.WaitForWaiters(ctx, 1) {
		t.Fatal("the daemon does not sleep")
	}
	next, _ := c.Next()
	return next
}

// served is a daemon serving in the background.
type served struct {
	stop      context.CancelFunc
	done      chan struct{} // closed when Serve returns
	err       error
	scheduled chan string // the pipelines whose next run was decided
}

func serve(t *testing.T, d *engine.Daemon, jobs []engine.Job) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sv := &served{stop: cancel, done: make(chan struct{}), scheduled: make(chan string, 64)}
	d.Scheduled = func(name string, next time.Time) { sv.scheduled <- name }
	go func() { sv.err = d.Serve(ctx, jobs); close(sv.done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-sv.done:
		case <-time.After(5 * time.Second):
			t.Error("the daemon did not stop")
		}
	})
	for range jobs {
		sv.waitScheduled(t, "")
	}
	return sv
}

// waitScheduled waits until the daemon decided the next run of name (of
// any pipeline when name is "").
func (sv *served) waitScheduled(t *testing.T, name string) {
	t.Helper()
	select {
	case got := <-sv.scheduled:
		if name != "" && got != name {
			t.Fatalf("the next run of %s was decided, want %s", got, name)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("the next run of %q was not decided", name)
	}
}

func dailyAt(h, m int) *dsl.Schedule {
	return &dsl.Schedule{Repeat: dsl.RepeatDaily, Hour: h, Minute: m, Location: time.UTC}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestDaemonEachRepeatKind runs a daily, a weekly and a monthly pipeline
// over a month of fake time and checks every run's time.
func TestDaemonEachRepeatKind(t *testing.T) {
	clock := scheduletest.New(ts("2026-02-01T00:00:00Z"))
	s := newScripted(clock)
	d := &engine.Daemon{Clock: clock, Runs: fakeRuns{}, Run: s.run, Parallel: 3}
	jobs := []engine.Job{
		{Name: "daily", Schedule: dailyAt(6, 0)},
		{Name: "weekly", Schedule: &dsl.Schedule{Repeat: dsl.RepeatWeekly, Hour: 7, Weekday: time.Friday, Location: time.UTC}},
		{Name: "monthly", Schedule: &dsl.Schedule{Repeat: dsl.RepeatMonthly, Hour: 8, Day: 28, Location: time.UTC}},
	}
	sv := serve(t, d, jobs)
	runs := drive(t, clock, sv, s, ts("2026-03-01T00:00:00Z"))
	if got := len(s.startsOf("daily")); got != 28 {
		t.Errorf("daily ran %d times in February, want 28", got)
	}
	wantRuns(t, s, "weekly", "2026-02-06T07:00:00Z", "2026-02-13T07:00:00Z", "2026-02-20T07:00:00Z", "2026-02-27T07:00:00Z")
	wantRuns(t, s, "monthly", "2026-02-28T08:00:00Z")
	if runs != 28+4+1 {
		t.Errorf("%d runs in all, want 33", runs)
	}
}

// drive moves the fake clock from wake-up to wake-up of the daemon until
// until, letting each run start and finish; it returns the number of runs.
func drive(t *testing.T, clock *scheduletest.Clock, sv *served, s *scripted, until time.Time) int {
	t.Helper()
	runs := 0
	for {
		next := idle(t, clock)
		if !next.Before(until) {
			return runs
		}
		clock.Set(next)
		name := <-s.started
		sv.waitScheduled(t, name)
		runs++
	}
}

// TestDaemonAcrossDST drives daily pipelines in New York and London across
// both daylight-saving changes: the skipped local time runs at the jump,
// the repeated one runs once.
func TestDaemonAcrossDST(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	london, _ := time.LoadLocation("Europe/London")
	tests := []struct {
		name     string
		s        *dsl.Schedule
		from, to string
		want     []string
	}{
		{"New York spring", &dsl.Schedule{Repeat: dsl.RepeatDaily, Hour: 2, Minute: 30, Location: ny}, "2026-03-07T00:00:00Z", "2026-03-10T00:00:00Z",
			[]string{"2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"}},
		{"New York autumn", &dsl.Schedule{Repeat: dsl.RepeatDaily, Hour: 1, Minute: 30, Location: ny}, "2026-10-31T00:00:00Z", "2026-11-03T00:00:00Z",
			[]string{"2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}},
		{"London spring", &dsl.Schedule{Repeat: dsl.RepeatDaily, Hour: 1, Minute: 30, Location: london}, "2026-03-28T00:00:00Z", "2026-03-31T00:00:00Z",
			[]string{"2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}},
		{"London autumn", &dsl.Schedule{Repeat: dsl.RepeatDaily, Hour: 1, Minute: 30, Location: london}, "2026-10-24T00:00:00Z", "2026-10-27T00:00:00Z",
			[]string{"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := scheduletest.New(ts(tc.from))
			s := newScripted(clock)
			d := &engine.Daemon{Clock: clock, Runs: fakeRuns{}, Run: s.run}
			sv := serve(t, d, []engine.Job{{Name: "p", Schedule: tc.s}})
			drive(t, clock, sv, s, ts(tc.to))
			wantRuns(t, s, "p", tc.want...)
		})
	}
}

func wantRuns(t *testing.T, s *scripted, name string, want ...string) {
	t.Helper()
	got := s.startsOf(name)
	if len(got) != len(want) {
		t.Fatalf("%s ran at %v, want %v", name, got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s ran at %v, want %v", name, got, want)
		}
	}
}

// TestDaemonMissedRunsAfterDowntime: a pipeline that last ran three days
// ago runs once at start, then at its slots.
func TestDaemonMissedRunsAfterDowntime(t *testing.T) {
	clock := scheduletest.New(ts("2026-05-04T12:00:00Z"))
	s := newScripted(clock)
	history := fakeRuns{runs: map[string][]state.Run{
		"late": {
			{Kind: state.RunApply, Outcome: state.OutcomeInterrupted, StartedAt: ts("2026-05-02T09:00:00Z")},
			{Kind: state.RunPlan, Outcome: state.OutcomeSucceeded, StartedAt: ts("2026-05-01T10:00:00Z")},
			{Kind: state.RunApply, Outcome: state.OutcomeSucceeded, StartedAt: ts("2026-05-01T09:00:00Z")},
		},
		"fresh": {{Kind: state.RunApply, Outcome: state.OutcomeSucceeded, StartedAt: ts("2026-05-04T09:00:00Z")}},
	}}
	d := &engine.Daemon{Clock: clock, Runs: history, Run: s.run}
	sv := serve(t, d, []engine.Job{{Name: "late", Schedule: dailyAt(9, 0)}, {Name: "fresh", Schedule: dailyAt(9, 0)}})
	waitStarted(t, s, "late")
	sv.waitScheduled(t, "late")
	if next := idle(t, clock); !next.Equal(ts("2026-05-05T09:00:00Z")) {
		t.Fatalf("next wake-up at %s, want the next slot", next)
	}
	clock.Set(ts("2026-05-05T09:00:00Z"))
	waitStarted(t, s, "fresh") // both are due: by name
	sv.waitScheduled(t, "fresh")
	waitStarted(t, s, "late")
	sv.waitScheduled(t, "late")
	wantRuns(t, s, "late", "2026-05-04T12:00:00Z", "2026-05-05T09:00:00Z")
	wantRuns(t, s, "fresh", "2026-05-05T09:00:00Z")
}

// TestDaemonNoOverlap: a run that outlasts its interval is never
// overlapped, though the daemon wakes up for other pipelines meanwhile;
// the slots it outlasted make one more run as soon as it ends.
func TestDaemonNoOverlap(t *testing.T) {
	clock := scheduletest.New(ts("2026-05-01T08:00:00Z"))
	s := newScripted(clock)
	release := make(chan struct{})
	s.block["long"] = release
	d := &engine.Daemon{Clock: clock, Runs: fakeRuns{}, Run: s.run, Parallel: 4}
	sv := serve(t, d, []engine.Job{{Name: "long", Schedule: dailyAt(9, 0)}, {Name: "short", Schedule: dailyAt(9, 30)}})

	clock.Set(ts("2026-05-01T09:00:00Z"))
	waitStarted(t, s, "long")
	idle(t, clock)
	clock.Set(ts("2026-05-01T09:30:00Z"))
	waitStarted(t, s, "short")
	sv.waitScheduled(t, "short")
	idle(t, clock)
	clock.Set(ts("2026-05-03T10:00:00Z")) // two more slots of long pass while it runs
	waitStarted(t, s, "short")
	sv.waitScheduled(t, "short")
	idle(t, clock)
	if got := s.startsOf("long"); len(got) != 1 {
		t.Fatalf("long started again while running: %v", got)
	}
	release <- struct{}{}
	sv.waitScheduled(t, "long")
	waitStarted(t, s, "long") // once, now, for the slots it outlasted
	release <- struct{}{}
	sv.waitScheduled(t, "long")
	if next := idle(t, clock); !next.Equal(ts("2026-05-04T09:00:00Z")) {
		t.Errorf("next wake-up at %s, want the next slot of long", next)
	}
	clock.Set(ts("2026-05-04T09:00:00Z"))
	waitStarted(t, s, "long")
	release <- struct{}{}
	sv.waitScheduled(t, "long")
	wantRuns(t, s, "long", "2026-05-01T09:00:00Z", "2026-05-03T10:00:00Z", "2026-05-04T09:00:00Z")
	wantRuns(t, s, "short", "2026-05-01T09:30:00Z", "2026-05-03T10:00:00Z")
	if s.overlap {
		t.Error("a pipeline ran twice at once")
	}
}

// TestDaemonOnce: a once pipeline runs at start unless a run of it
// succeeded; a failed one is not retried in the same process; the daemon
// stops when no pipeline has a run ahead.
func TestDaemonOnce(t *testing.T) {
	clock := scheduletest.New(ts("2026-05-01T08:00:00Z"))
	s := newScripted(clock)
	s.outcome["failing"] = engine.RunFailed
	once := &dsl.Schedule{Repeat: dsl.RepeatOnce, Location: time.UTC}
	history := fakeRuns{runs: map[string][]state.Run{
		"done":        {{Kind: state.RunApply, Outcome: state.OutcomeSucceeded, StartedAt: ts("2026-04-01T00:00:00Z")}},
		"interrupted": {{Kind: state.RunApply, Outcome: state.OutcomeInterrupted, StartedAt: ts("2026-04-01T00:00:00Z")}},
		"failing":     {{Kind: state.RunApply, Outcome: state.OutcomeFailed, StartedAt: ts("2026-04-01T00:00:00Z")}},
	}}
	d := &engine.Daemon{Clock: clock, Runs: history, Run: s.run}
	sv := serve(t, d, []engine.Job{{Name: "done", Schedule: once}, {Name: "failing", Schedule: once}, {Name: "interrupted", Schedule: once}})
	select {
	case <-sv.done:
		if sv.err != nil {
			t.Fatal(sv.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the daemon did not stop after the once runs")
	}
	wantRuns(t, s, "done")
	wantRuns(t, s, "failing", "2026-05-01T08:00:00Z")
	wantRuns(t, s, "interrupted", "2026-05-01T08:00:00Z")
}

// TestDaemonStopWaitsForRunInFlight: a stop request starts no new run and
// returns once the run in flight has returned.
func TestDaemonStopWaitsForRunInFlight(t *testing.T) {
	clock := scheduletest.New(ts("2026-05-01T09:00:00Z"))
	s := newScripted(clock)
	release := make(chan struct{})
	s.block["a"] = release
	d := &engine.Daemon{Clock: clock, Runs: fakeRuns{}, Run: s.run}
	sv := serve(t, d, []engine.Job{{Name: "a", Schedule: dailyAt(9, 0)}, {Name: "b", Schedule: dailyAt(9, 0)}})
	waitStarted(t, s, "a")
	sv.stop()
	select {
	case <-sv.done:
		t.Fatal("the daemon returned with a run in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	select {
	case <-sv.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the daemon did not return after the run in flight")
	}
	wantRuns(t, s, "b")
}

// TestDaemonBusyRetry: a pipeline another process is running is tried
// again after BusyRetry.
func TestDaemonBusyRetry(t *testing.T) {
	clock := scheduletest.New(ts("2026-05-01T09:00:00Z"))
	s := newScripted(clock)
	s.outcome["a"] = engine.RunBusy
	d := &engine.Daemon{Clock: clock, Runs: fakeRuns{}, Run: s.run, BusyRetry: time.Minute}
	sv := serve(t, d, []engine.Job{{Name: "a", Schedule: dailyAt(9, 0)}})
	waitStarted(t, s, "a")
	sv.waitScheduled(t, "a")
	if next := idle(t, clock); !next.Equal(ts("2026-05-01T09:01:00Z")) {
		t.Fatalf("retry at %s, want a minute later", next)
	}
	s.mu.Lock()
	s.outcome["a"] = engine.RunSucceeded
	s.mu.Unlock()
	clock.Advance(time.Minute)
	waitStarted(t, s, "a")
	sv.waitScheduled(t, "a")
	if next := idle(t, clock); !next.Equal(ts("2026-05-02T09:00:00Z")) {
		t.Fatalf("next run at %s, want the next slot", next)
	}
}
