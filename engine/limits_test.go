package engine_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/state"
)

// TestNewPipelineLimits checks max_new_pipelines_per_day and _per_month
// at and over their bounds, counting calendar days and months in the
// settings' time zone, deleted pipelines included.
func TestNewPipelineLimits(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := state.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, r := range []struct {
		name   string
		at     time.Time
		status state.PipelineStatus
	}{
		{"april-30-evening", time.Date(2026, 4, 30, 22, 0, 0, 0, ny), state.PipelineActive}, // 2026-05-01 02:00 UTC
		{"may-1-morning", time.Date(2026, 5, 1, 8, 0, 0, 0, ny), state.PipelineDeleted},
		{"may-1-night", time.Date(2026, 5, 1, 23, 30, 0, 0, ny), state.PipelineActive}, // 2026-05-02 03:30 UTC
	} {
		if _, err := st.RegisterPipeline(ctx, state.Pipeline{Name: r.name, RegisteredAt: r.at, Status: r.status}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		lim       dsl.Limits
		loc       *time.Location
		now       time.Time
		wantLimit string // "" for allowed
		wantCount int
		wantUntil time.Time
	}{
		{"day: under the bound", dsl.Limits{MaxNewPipelinesPerDay: 3}, ny, time.Date(2026, 5, 1, 23, 45, 0, 0, ny), "", 0, time.Time{}},
		{"day: at the bound", dsl.Limits{MaxNewPipelinesPerDay: 2}, ny, time.Date(2026, 5, 1, 23, 45, 0, 0, ny),
			"max_new_pipelines_per_day", 2, time.Date(2026, 5, 2, 0, 0, 0, 0, ny)},
		{"day: over the bound", dsl.Limits{MaxNewPipelinesPerDay: 1}, ny, time.Date(2026, 5, 1, 12, 0, 0, 0, ny),
			"max_new_pipelines_per_day", 2, time.Date(2026, 5, 2, 0, 0, 0, 0, ny)},
		{"day: the next local day is free", dsl.Limits{MaxNewPipelinesPerDay: 1}, ny, time.Date(2026, 5, 2, 0, 10, 0, 0, ny), "", 0, time.Time{}},
		// In UTC, 2026-05-02 holds the New York night registration.
		{"day: counted in UTC", dsl.Limits{MaxNewPipelinesPerDay: 1}, time.UTC, time.Date(2026, 5, 2, 4, 0, 0, 0, time.UTC),
			"max_new_pipelines_per_day", 1, time.Date(2026, 5, 3, 0, 0, 0, 0, time.UTC)},
		{"day: nil zone is UTC", dsl.Limits{MaxNewPipelinesPerDay: 1}, nil, time.Date(2026, 5, 2, 4, 0, 0, 0, time.UTC),
			"max_new_pipelines_per_day", 1, time.Date(2026, 5, 3, 0, 0, 0, 0, time.UTC)},
		{"month: at the bound in New York", dsl.Limits{MaxNewPipelinesPerMonth: 2}, ny, time.Date(2026, 5, 20, 12, 0, 0, 0, ny),
			"max_new_pipelines_per_month", 2, time.Date(2026, 6, 1, 0, 0, 0, 0, ny)},
		{"month: under the bound in New York", dsl.Limits{MaxNewPipelinesPerMonth: 3}, ny, time.Date(2026, 5, 20, 12, 0, 0, 0, ny), "", 0, time.Time{}},
		{"month: over the bound in UTC", dsl.Limits{MaxNewPipelinesPerMonth: 2}, time.UTC, time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC),
			"max_new_pipelines_per_month", 3, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)},
		{"month: the next month is free", dsl.Limits{MaxNewPipelinesPerMonth: 1}, ny, time.Date(2026, 6, 1, 0, 0, 0, 0, ny), "", 0, time.Time{}},
		{"no limits", dsl.Limits{}, ny, time.Date(2026, 5, 1, 12, 0, 0, 0, ny), "", 0, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := engine.CheckNewLimits(ctx, st, tc.lim, tc.loc, "new", tc.now)
			if tc.wantLimit == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var le *engine.LimitError
			if !errors.As(err, &le) || !errors.Is(err, engine.ErrLimit) {
				t.Fatalf("got %v, want a limit error", err)
			}
			if le.Limit != tc.wantLimit || le.Count != tc.wantCount || !le.Until.Equal(tc.wantUntil) {
				t.Errorf("got %s count %d until %s; want %s count %d until %s", le.Limit, le.Count, le.Until, tc.wantLimit, tc.wantCount, tc.wantUntil)
			}
			msg := err.Error()
			for _, want := range []string{"settings.limits." + tc.wantLimit, "Wait until " + tc.wantUntil.Format("2006-01-02 15:04"), `pipeline "new"`} {
				if !strings.Contains(msg, want) {
					t.Errorf("the error does not say %q: %s", want, msg)
				}
			}
		})
	}
}

// TestActiveLimit runs pipelines through the runner at and over
// max_active_pipelines: the refused one is refused before anything is
// written, and disabling or deleting another makes room.
func TestActiveLimit(t *testing.T) {
	pipelines := pipelineHCL("a", "A", daily) + pipelineHCL("b", "B", daily) + pipelineHCL("c", "C", daily)
	f := newFixture(t, day1, 3, pipelines)
	f.writeConfig("k1", "k1", pipelines, "limits {\n    max_active_pipelines = 2\n  }")
	wantOutcome(t, f.run("a"), engine.RunSucceeded)
	wantOutcome(t, f.run("b"), engine.RunSucceeded) // at the bound

	rep := f.run("c") // over it
	wantOutcome(t, rep, engine.RunFailed)
	var le *engine.LimitError
	if !errors.As(rep.Err, &le) || le.Limit != "max_active_pipelines" || le.Count != 2 || le.Max != 2 {
		t.Fatalf("not the active limit: %v", rep.Err)
	}
	for _, want := range []string{"settings.limits.max_active_pipelines is 2", "2 active pipelines (a, b)", `pipeline "c"`, "sluice pipelines disable NAME"} {
		if !strings.Contains(rep.Err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, rep.Err)
		}
	}
	ctx := context.Background()
	if _, err := f.store.Pipeline(ctx, "c"); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("the refused pipeline was registered: %v", err)
	}
	if runs, _ := f.store.Runs(ctx, "c", 0); len(runs) != 0 {
		t.Errorf("the refused pipeline has runs: %+v", runs)
	}
	if got := f.members("C"); len(got) != 0 {
		t.Errorf("the refused pipeline wrote %d members", len(got))
	}

	// A pipeline stopped on credentials keeps its place.
	if err := f.store.SetPipelineStatus(ctx, "b", state.PipelineStoppedCredentials, "test"); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, f.run("c"), engine.RunFailed)

	// Disabling one makes room; enabling it again is then refused.
	if _, err := engine.Disable(ctx, f.store, "a", "room for c"); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, f.run("c"), engine.RunSucceeded)
	if _, err := engine.Enable(ctx, f.store, f.limits(), "a"); !errors.As(err, &le) || le.Limit != "max_active_pipelines" {
		t.Fatalf("enabling over the limit: %v", err)
	}
	if _, err := engine.Delete(ctx, f.store, "c", "done"); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Enable(ctx, f.store, f.limits(), "a"); err != nil {
		t.Fatalf("enabling after a delete: %v", err)
	}
}

// TestRegisterRefusesOverLimit checks the limits where `sluice apply`
// meets them, in Sync.Register: refused before the pipeline is
// registered.
func TestRegisterRefusesOverLimit(t *testing.T) {
	pipelines := pipelineHCL("a", "A", "") + pipelineHCL("b", "B", "")
	f := newFixture(t, day1, 2, pipelines)
	f.writeConfig("k1", "k1", pipelines, `timezone = "Asia/Tokyo"`, "limits {\n    max_new_pipelines_per_day = 1\n  }")
	wantOutcome(t, f.run("a"), engine.RunSucceeded)
	ctx := context.Background()
	cfg, err := f.load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conns := engine.NewConns(cfg)
	defer conns.Close()
	res, diags := engine.Resolve(ctx, cfg, conns, []string{"b"}, f.clock.Now())
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	sy := &engine.Sync{Config: cfg, Store: f.store, Conns: conns, Resolved: res["b"], Now: f.clock.Now()}
	err = sy.Register(ctx)
	var le *engine.LimitError
	if !errors.As(err, &le) || le.Limit != "max_new_pipelines_per_day" || le.Count != 1 {
		t.Fatalf("register over the limit: %v", err)
	}
	// 09:00 UTC is 18:00 in Tokyo: the day ends at 15:00 UTC.
	if want := "Wait until 2026-05-02 00:00 JST"; !strings.Contains(err.Error(), want) {
		t.Errorf("the error does not say %q: %v", want, err)
	}
	if _, err := f.store.Pipeline(ctx, "b"); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("registered over the limit: %v", err)
	}
	f.clock.Set(time.Date(2026, 5, 1, 15, 0, 0, 0, time.UTC))
	sy.Now = f.clock.Now()
	if err := sy.Register(ctx); err != nil {
		t.Errorf("register on the next Tokyo day: %v", err)
	}
}
