package state

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRuns(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	t0 := c.Now()

	plan, err := s.StartRun(ctx, "p", RunPlan, "") // before any apply: not registered
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, plan, RunResult{Outcome: OutcomeSucceeded, Counts: map[string]int64{"add": 3}}); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Minute)
	failed, err := s.StartRun(ctx, "p", RunApply, "plan-1")
	if err != nil {
		t.Fatal(err)
	}
	c.Add(time.Second)
	if err := s.FinishRun(ctx, failed, RunResult{Outcome: OutcomeFailed, Error: `connection "esp": authentication failed`}); err != nil {
		t.Fatal(err)
	}
	applied, err := s.StartRun(ctx, "p", RunApply, "plan-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.PlanApplied(ctx, "plan-1"); err != nil || ok {
		t.Errorf("PlanApplied before success = %v, %v; want false", ok, err)
	}
	c.Add(time.Second)
	if err := s.FinishRun(ctx, applied, RunResult{Outcome: OutcomeSucceeded, Counts: map[string]int64{"add": 3, "read": 10}}); err != nil {
		t.Fatal(err)
	}
	feedback, err := s.StartRun(ctx, "p", RunFeedback, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartRun(ctx, "other", RunPlan, ""); err != nil {
		t.Fatal(err)
	}

	wantApplied := Run{ID: applied, Pipeline: "p", Kind: RunApply, PlanID: "plan-1",
		StartedAt: t0.Add(time.Minute + time.Second), FinishedAt: t0.Add(time.Minute + 2*time.Second),
		Outcome: OutcomeSucceeded, Counts: map[string]int64{"add": 3, "read": 10}}
	all := []Run{
		{ID: feedback, Pipeline: "p", Kind: RunFeedback, StartedAt: c.Now(), Outcome: OutcomeRunning},
		wantApplied,
		{ID: failed, Pipeline: "p", Kind: RunApply, PlanID: "plan-1", StartedAt: t0.Add(time.Minute),
			FinishedAt: t0.Add(time.Minute + time.Second), Outcome: OutcomeFailed,
			Error: `connection "esp": authentication failed`},
		{ID: plan, Pipeline: "p", Kind: RunPlan, StartedAt: t0, FinishedAt: t0, Outcome: OutcomeSucceeded,
			Counts: map[string]int64{"add": 3}},
	}
	for _, tt := range []struct {
		name  string
		limit int
		want  []Run
	}{
		{"all", 0, all},
		{"latest two", 2, all[:2]},
		{"more than there are", 10, all},
	} {
		t.Run("Runs "+tt.name, func(t *testing.T) {
			got, err := s.Runs(ctx, "p", tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	got, ok, err := s.PlanApplied(ctx, "plan-1")
	if err != nil || !ok {
		t.Fatalf("PlanApplied = %v, %v; want true", ok, err)
	}
	if diff := cmp.Diff(wantApplied, got); diff != "" {
		t.Errorf("PlanApplied (-want +got):\n%s", diff)
	}
	for _, id := range []string{"plan-2", ""} {
		if _, ok, err := s.PlanApplied(ctx, id); err != nil || ok {
			t.Errorf("PlanApplied(%q) = %v, %v; want false", id, ok, err)
		}
	}
}

func TestRunErrors(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	id, err := s.StartRun(ctx, "p", RunApply, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, id, RunResult{Outcome: OutcomeInterrupted, Error: "signal: terminated"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		call    func() error
		wantErr error
	}{
		{"finish twice", func() error { return s.FinishRun(ctx, id, RunResult{Outcome: OutcomeSucceeded}) }, nil},
		{"finish unknown", func() error { return s.FinishRun(ctx, 999, RunResult{Outcome: OutcomeSucceeded}) }, ErrNotFound},
		{"finish as running", func() error { return s.FinishRun(ctx, id, RunResult{Outcome: OutcomeRunning}) }, nil},
		{"invalid kind", func() error { _, err := s.StartRun(ctx, "p", RunKind(0), ""); return err }, nil},
		{"no pipeline", func() error { _, err := s.StartRun(ctx, "", RunPlan, ""); return err }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %q does not wrap %q", err, tt.wantErr)
			}
		})
	}
	runs, err := s.Runs(ctx, "p", 1)
	if err != nil {
		t.Fatal(err)
	}
	if runs[0].Outcome != OutcomeInterrupted || runs[0].Error != "signal: terminated" {
		t.Errorf("run changed by refused finishes: %+v", runs[0])
	}
}
