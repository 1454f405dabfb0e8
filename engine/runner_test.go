package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/state"
)

var day1 = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

const daily = `schedule {
    repeat = "daily"
    at     = "09:00"
  }`

// TestCredentialsStopAndResume: a connection that refuses its credentials
// stops every pipeline using it; scheduled runs skip them, saying why,
// while the credentials are still refused; a run after the settings were
// updated with a working key succeeds and makes the pipeline active again.
func TestCredentialsStopAndResume(t *testing.T) {
	pipelines := pipelineHCL("a", "A", daily) + pipelineHCL("b", "B", daily)
	f := newFixture(t, day1, 5, pipelines)
	wantOutcome(t, f.run("a"), engine.RunSucceeded)
	wantOutcome(t, f.run("b"), engine.RunSucceeded)

	// The sink's key is regenerated at the service: the old one is refused.
	f.snk.set("k2", "campaigns-1")
	f.clock.Advance(24 * time.Hour)
	rep := f.run("a")
	wantOutcome(t, rep, engine.RunFailed)
	if !errors.Is(rep.Err, sdk.ErrAuth) {
		t.Errorf("the run's error is not an authentication failure: %v", rep.Err)
	}
	for _, name := range []string{"a", "b"} {
		p := wantStatus(t, f, name, state.PipelineStoppedCredentials)
		if !strings.Contains(p.StatusReason, `connection "list" refused its credentials`) {
			t.Errorf("%s: the reason does not name the connection: %s", name, p.StatusReason)
		}
	}
	if got := engine.StatusText(state.PipelineStoppedCredentials); got != "stopped: credentials" {
		t.Errorf("StatusText: %q", got)
	}
	runs, _ := f.store.Runs(context.Background(), "a", 1)
	if len(runs) != 1 || runs[0].Outcome != state.OutcomeFailed || !strings.Contains(runs[0].Error, "authentication failed") {
		t.Errorf("the failed run is not in the run log: %+v", runs)
	}

	// While the key is still refused, a scheduled run is skipped, saying why.
	f.clock.Advance(24 * time.Hour)
	rep = f.run("b")
	wantOutcome(t, rep, engine.RunSkipped)
	for _, want := range []string{"stopped: credentials", `connection "list" refused its credentials`, "still refused"} {
		if !strings.Contains(rep.Err.Error(), want) {
			t.Errorf("the skip does not say %q: %v", want, rep.Err)
		}
	}
	if logs := f.logs.String(); !strings.Contains(logs, `msg="run skipped" pipeline=b outcome=skipped`) || !strings.Contains(logs, "stopped: credentials") {
		t.Errorf("no log line says why b was skipped:\n%s", logs)
	}

	// The settings are updated with the new key: the next run succeeds
	// and the pipeline is active again; b resumes at its own next run.
	f.writeConfig("k1", "k2", pipelines)
	f.writePeople(7)
	f.clock.Advance(24 * time.Hour)
	rep = f.run("a")
	wantOutcome(t, rep, engine.RunSucceeded)
	if rep.Counts["add"] != 2 {
		t.Errorf("the resumed run added %d, want 2", rep.Counts["add"])
	}
	if p := wantStatus(t, f, "a", state.PipelineActive); p.StatusReason != "" {
		t.Errorf("an active pipeline keeps a reason: %q", p.StatusReason)
	}
	wantStatus(t, f, "b", state.PipelineStoppedCredentials)
	wantOutcome(t, f.run("b"), engine.RunSucceeded)
	wantStatus(t, f, "b", state.PipelineActive)
	if got := len(f.members("B")); got != 7 {
		t.Errorf("list B holds %d members, want 7", got)
	}
}

// TestCredentialsRefusedBySource stops the pipelines of the source
// connection, naming it, when the source refuses.
func TestCredentialsRefusedBySource(t *testing.T) {
	f := newFixture(t, day1, 3, pipelineHCL("a", "A", daily))
	wantOutcome(t, f.run("a"), engine.RunSucceeded)
	f.src.set("k9", "recruit-1")
	wantOutcome(t, f.run("a"), engine.RunFailed)
	p := wantStatus(t, f, "a", state.PipelineStoppedCredentials)
	if !strings.Contains(p.StatusReason, `connection "src"`) {
		t.Errorf("the reason does not name the source connection: %s", p.StatusReason)
	}
	f.src.set("k1", "recruit-1") // the old key works again
	wantOutcome(t, f.run("a"), engine.RunSucceeded)
	wantStatus(t, f, "a", state.PipelineActive)
}

// TestCredentialsRefusedDuringApply: the sink refuses a write; the
// pipeline stops on credentials and the state does not advance past what
// the sink accepted.
func TestCredentialsRefusedDuringApply(t *testing.T) {
	f := newFixture(t, day1, 50, pipelineHCL("a", "A", daily))
	f.runner.WriteRows = 10
	f.snk.onWrite = func(n int) {
		if n == 2 {
			f.snk.set("revoked", "campaigns-1")
		}
	}
	rep := f.run("a")
	wantOutcome(t, rep, engine.RunFailed)
	wantStatus(t, f, "a", state.PipelineStoppedCredentials)
	keys, pending := f.stateMembers("a")
	if got := f.members("A"); !cmp.Equal(got, f.ackedMembers("a")) || len(got) != 20 {
		t.Errorf("list %d members, state %d (%d pending): they should agree on the 20 written", len(got), len(keys), pending)
	}
}

// TestAccountChange: a connection reporting another account than the one
// its pipelines were registered with disables them before anything is
// written; `pipelines enable` (engine.Enable) lets the pipeline run again
// and records the new account.
func TestAccountChange(t *testing.T) {
	f := newFixture(t, day1, 4, pipelineHCL("a", "A", daily)+pipelineHCL("b", "B", daily))
	wantOutcome(t, f.run("a"), engine.RunSucceeded)
	wantOutcome(t, f.run("b"), engine.RunSucceeded)
	want := map[string]string{"src": "recruit-1", "list": "campaigns-1"}
	if diff := cmp.Diff(want, f.status("a").Accounts); diff != "" {
		t.Errorf("accounts recorded at registration (-want +got):\n%s", diff)
	}

	f.snk.set("k1", "campaigns-2")
	f.writePeople(6)
	rep := f.run("a")
	wantOutcome(t, rep, engine.RunFailed)
	var ace *engine.AccountChangeError
	if !errors.As(rep.Err, &ace) || ace.Connection != "list" || ace.Registered != "campaigns-1" || ace.Reported != "campaigns-2" {
		t.Fatalf("not an account change of connection list: %v", rep.Err)
	}
	if !cmp.Equal(ace.Disabled, []string{"a", "b"}) {
		t.Errorf("disabled %v, want a and b", ace.Disabled)
	}
	for _, name := range []string{"a", "b"} {
		p := wantStatus(t, f, name, state.PipelineDisabled)
		if !strings.Contains(p.StatusReason, `reported account "campaigns-2"`) || !strings.Contains(p.StatusReason, "sluice pipelines enable "+name) {
			t.Errorf("%s: the reason does not say what happened and what to do: %s", name, p.StatusReason)
		}
	}
	if got := len(f.members("A")); got != 4 {
		t.Errorf("something was written to the other account: list A holds %d members", got)
	}
	wantOutcome(t, f.run("b"), engine.RunSkipped)

	changed, err := engine.Enable(context.Background(), f.store, f.limits(), "a")
	if err != nil || !changed {
		t.Fatalf("enable: %v, %v", changed, err)
	}
	wantOutcome(t, f.run("a"), engine.RunSucceeded)
	want["list"] = "campaigns-2"
	if diff := cmp.Diff(want, f.status("a").Accounts); diff != "" {
		t.Errorf("accounts after enable and a run (-want +got):\n%s", diff)
	}
	wantStatus(t, f, "b", state.PipelineDisabled)
	if got := len(f.members("A")); got != 6 {
		t.Errorf("list A holds %d members after enable, want 6", got)
	}
}

// TestDeleteKeepsMembersAndReports: a deleted pipeline has no more runs;
// its members stay on the list and in the state, and the responses stay
// in the reports.
func TestDeleteKeepsMembersAndReports(t *testing.T) {
	f := newFixture(t, day1, 5, pipelineHCL("a", "A", daily))
	wantOutcome(t, f.run("a"), engine.RunSucceeded)
	ctx := context.Background()
	if err := f.store.UpsertCampaigns(ctx, []state.Campaign{{Connection: "list", Key: "c1", Name: "May", Type: sdk.CampaignEmail, List: "A", SentAt: day1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.AddEvents(ctx, []state.Event{{Connection: "list", List: "A", Campaign: "c1", Key: "p0001@example.com", Type: sdk.EventOpened, At: day1}}); err != nil {
		t.Fatal(err)
	}

	changed, err := engine.Delete(ctx, f.store, "a", "deleted by a person")
	if err != nil || !changed {
		t.Fatalf("delete: %v, %v", changed, err)
	}
	f.writePeople(8)
	rep := f.run("a")
	wantOutcome(t, rep, engine.RunSkipped)
	if !strings.Contains(rep.Err.Error(), "deleted") {
		t.Errorf("the skip does not say the pipeline was deleted: %v", rep.Err)
	}
	if got := len(f.members("A")); got != 5 {
		t.Errorf("list A holds %d members after delete, want the 5 it had", got)
	}
	if keys, _ := f.stateMembers("a"); len(keys) != 5 {
		t.Errorf("the state holds %d members of a after delete, want 5", len(keys))
	}
	cs, _ := f.store.Campaigns(ctx, "list", "A")
	var events int
	f.store.Events(ctx, state.EventQuery{Connection: "list"}, func(state.Event) error { events++; return nil })
	if len(cs) != 1 || events != 1 {
		t.Errorf("reports after delete: %d campaigns, %d events; want 1 and 1", len(cs), events)
	}
	if _, err := engine.Enable(ctx, f.store, f.limits(), "a"); !errors.Is(err, engine.ErrDeleted) {
		t.Errorf("enabling a deleted pipeline: %v", err)
	}
	if _, err := engine.Disable(ctx, f.store, "a", "x"); !errors.Is(err, engine.ErrDeleted) {
		t.Errorf("disabling a deleted pipeline: %v", err)
	}
}

// TestDisableAndEnable: a disabled pipeline is skipped, saying why, until
// it is enabled.
func TestDisableAndEnable(t *testing.T) {
	f := newFixture(t, day1, 2, pipelineHCL("a", "A", daily))
	wantOutcome(t, f.run("a"), engine.RunSucceeded)
	ctx := context.Background()
	if changed, err := engine.Disable(ctx, f.store, "a", "paused for the audit"); err != nil || !changed {
		t.Fatalf("disable: %v %v", changed, err)
	}
	if changed, _ := engine.Disable(ctx, f.store, "a", "again"); changed {
		t.Error("disabling a disabled pipeline changed it")
	}
	rep := f.run("a")
	wantOutcome(t, rep, engine.RunSkipped)
	if !strings.Contains(rep.Err.Error(), "disabled: paused for the audit") {
		t.Errorf("the skip does not say why: %v", rep.Err)
	}
	if _, err := engine.Enable(ctx, f.store, f.limits(), "a"); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, f.run("a"), engine.RunSucceeded)
	if changed, _ := engine.Enable(ctx, f.store, f.limits(), "a"); changed {
		t.Error("enabling an active pipeline changed it")
	}
	if _, err := engine.Enable(ctx, f.store, f.limits(), "nope"); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("enabling an unknown pipeline: %v", err)
	}
}

func (f *fixture) limits() dsl.Limits {
	cfg, err := f.load(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return cfg.Settings.Limits
}

// TestStopFinishesBatchInFlight: a stop request during an apply lets the
// batch in flight be written and committed, then stops; the list and the
// state agree, with nothing pending, and the next run completes the sync.
func TestStopFinishesBatchInFlight(t *testing.T) {
	f := newFixture(t, day1, 500, pipelineHCL("a", "A", daily))
	f.runner.WriteRows = 10
	ctx, stop := context.WithCancel(context.Background())
	f.snk.onWrite = func(n int) {
		if n == 5 {
			stop() // the signal arrives while the fifth batch is being written
		}
	}
	rep := f.runner.Run(ctx, "a")
	wantOutcome(t, rep, engine.RunInterrupted)
	list := f.members("A")
	keys, pending := f.stateMembers("a")
	if len(list) != 50 || !cmp.Equal(list, keys) || pending != 0 {
		t.Fatalf("after the stop: list %d members, state %d (%d pending); want the same 50, none pending", len(list), len(keys), pending)
	}
	runs, _ := f.store.Runs(context.Background(), "a", 1)
	if len(runs) != 1 || runs[0].Outcome != state.OutcomeInterrupted || runs[0].Counts["add"] != 50 {
		t.Errorf("the run log: %+v", runs)
	}

	f.snk.onWrite = nil
	rep = f.run("a")
	wantOutcome(t, rep, engine.RunSucceeded)
	if rep.Counts["add"] != 450 {
		t.Errorf("the next run added %d, want the other 450", rep.Counts["add"])
	}
	list = f.members("A")
	keys, pending = f.stateMembers("a")
	if len(list) != 500 || !cmp.Equal(list, keys) || pending != 0 {
		t.Errorf("after the next run: list %d, state %d (%d pending)", len(list), len(keys), pending)
	}
}

// TestStopBeforeApplyWritesNothing: a stop request that arrives before the
// apply ends the run with nothing written.
func TestStopBeforeApplyWritesNothing(t *testing.T) {
	f := newFixture(t, day1, 20, pipelineHCL("a", "A", daily))
	ctx, stop := context.WithCancel(context.Background())
	stop()
	rep := f.runner.Run(ctx, "a")
	wantOutcome(t, rep, engine.RunInterrupted)
	if runs, _ := f.store.Runs(context.Background(), "a", 0); len(runs) != 0 {
		t.Errorf("runs recorded: %+v", runs)
	}
	if got := f.members("A"); len(got) != 0 {
		t.Errorf("%d members written after a stop before the apply", len(got))
	}
}

// TestRegisterStatusTransitions covers what `sluice apply` meets in
// Sync.Register: a pipeline stopped on credentials is active again after
// its plan read both connections; a connection reporting another account
// disables the pipelines registered with the old one.
func TestRegisterStatusTransitions(t *testing.T) {
	f := newFixture(t, day1, 3, pipelineHCL("a", "A", ""))
	wantOutcome(t, f.run("a"), engine.RunSucceeded)
	ctx := context.Background()
	stopped, err := engine.StopForCredentials(ctx, f.store, "a", "list", errors.New("401"), day1)
	if err != nil || !cmp.Equal(stopped, []string{"a"}) {
		t.Fatalf("stop: %v %v", stopped, err)
	}
	sync := func() *engine.Sync {
		cfg, err := f.load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns := engine.NewConns(cfg)
		t.Cleanup(func() { conns.Close() })
		res, diags := engine.Resolve(ctx, cfg, conns, []string{"a"}, f.clock.Now())
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		return &engine.Sync{Config: cfg, Store: f.store, Conns: conns, Resolved: res["a"], Now: f.clock.Now()}
	}
	if err := sync().Register(ctx); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, f, "a", state.PipelineActive)

	f.src.set("k1", "recruit-2")
	err = sync().Register(ctx)
	if !errors.Is(err, engine.ErrAccountChanged) || !strings.Contains(err.Error(), `connection "src" now reports account "recruit-2"`) {
		t.Fatalf("register after an account change: %v", err)
	}
	wantStatus(t, f, "a", state.PipelineDisabled)
	if err := sync().Register(ctx); !errors.Is(err, engine.ErrDisabled) {
		t.Fatalf("register of a disabled pipeline: %v", err)
	}
}
