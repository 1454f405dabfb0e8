package engine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-sync/sluice/connectors"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/plan"
	"github.com/sluice-sync/sluice/engine/state"
)

// feedbackDir writes a pipeline (the golden cases' source and list, with
// the given feedback block) and its source into a temporary directory
// and moves there.
func feedbackDir(t *testing.T, feedback string) {
	t.Helper()
	b, err := os.ReadFile("../testdata/feedback/member_status_elsewhere/pipeline.hcl")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../testdata/feedback/member_status_elsewhere/source.sql")
	if err != nil {
		t.Fatal(err)
	}
	hcl := strings.Replace(string(b), "    member_status = true\n", feedback, 1)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pipeline.hcl"), []byte(hcl), 0o644)
	os.WriteFile(filepath.Join(dir, "source.sql"), src, 0o644)
	t.Chdir(dir)
	execSQL(t, "src.db", "source.sql")
}

func TestResolveFeedbackDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		name, feedback string
		want           []string
	}{
		{"ok", "    member_status = true\n    push_recipients {\n      module = \"contacts\"\n      fields = { \"email\" = \"lower($env['Email'])\" }\n    }\n", nil},
		{"status field elsewhere", "    status_field \"email\" {\n      module = \"contacts\"\n      field  = \"x\"\n    }\n",
			[]string{"Status field outside the source"}},
		{"unknown member field", "    push_recipients {\n      module = \"contacts\"\n      fields = { \"email\" = \"$env['Emial']\" }\n    }\n",
			[]string{"Unknown field"}},
		{"bad expression", "    push_recipients {\n      module = \"contacts\"\n      fields = { \"email\" = \"lower(\" }\n    }\n",
			[]string{"Invalid expression"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			feedbackDir(t, tc.feedback)
			cfg, diags := dsl.Load([]string{"pipeline.hcl"}, dsl.LoadOptions{Registry: connectors.Builtin()})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			conns := engine.NewConns(cfg)
			defer conns.Close()
			// Resolve (what `sluice validate` runs) reports the feedback
			// block's problems.
			_, diags = engine.Resolve(context.Background(), cfg, conns, nil, planTime)
			var got []string
			for _, d := range diags {
				got = append(got, d.Summary)
				if d.Subject == nil || d.Subject.Start.Line == 0 {
					t.Errorf("%s: no position", d.Summary)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if tc.name == "unknown member field" && !strings.Contains(diags[0].Detail, `Did you mean "Email"?`) {
				t.Errorf("no suggestion: %s", diags[0].Detail)
			}
		})
	}
}

func TestFeedbackNeedsApply(t *testing.T) {
	feedbackDir(t, "    member_status = true\n")
	st, err := state.Open(context.Background(), "sqlite:state.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, sy := feedbackPipeline(t, st, planTime)
	fs, err := engine.NewFeedbackSync(sy)
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.CheckRegistered(context.Background()); !errors.Is(err, engine.ErrNotApplied) {
		t.Errorf("feedback of a pipeline never applied: %v", err)
	}
}

// TestFeedbackSuppresses: an unsubscribe or a complaint arriving as an
// event suppresses the key, so the next sync excludes it even though the
// list still shows the member active.
func TestFeedbackSuppresses(t *testing.T) {
	feedbackDir(t, "    member_status = true\n")
	ctx := context.Background()
	st, err := state.Open(ctx, "sqlite:state.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, sy := feedbackPipeline(t, st, planTime)
	pr, err := sy.Plan(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	applyPlan(t, sy, pr, false)
	os.WriteFile("events.sql", []byte(`
		INSERT INTO campaigns VALUES ('c1', 'Spring', 'email', 'Shortlist', 's', 'f', '2026-03-01T08:00:00Z');
		INSERT INTO events VALUES ('c1', 'ann@example.com', 'unsubscribed', '2026-03-01T09:00:00Z');
		INSERT INTO events VALUES ('c1', 'bob@example.com', 'complained', '2026-03-01T09:00:00Z');`), 0o644)
	execSQL(t, "lists.db", "events.sql")
	pl, _ := runFeedback(t, st, planTime.Add(time.Hour), nil)
	if pl.Summary.Suppressed != 2 {
		t.Errorf("suppressed %d keys, want 2", pl.Summary.Suppressed)
	}
	// The source changes both records; the next sync excludes them.
	os.WriteFile("change.sql", []byte(`UPDATE candidates SET first_name = first_name || '!'`), 0o644)
	execSQL(t, "src.db", "change.sql")
	_, sy = feedbackPipeline(t, st, planTime.Add(2*time.Hour))
	pr, err = sy.Plan(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var excluded []string
	for _, s := range pr.Plan.Skipped {
		if s.Outcome == plan.Excluded {
			excluded = append(excluded, s.Key+" "+s.Reason)
		}
	}
	if diff := cmp.Diff([]string{"ann@example.com unsubscribed", "bob@example.com complained"}, excluded); diff != "" {
		t.Errorf("excluded (-want +got):\n%s", diff)
	}
}

// TestSavedFeedbackPlan: a saved plan reads back as it was, applies once,
// and is refused when stale.
func TestSavedFeedbackPlan(t *testing.T) {
	feedbackDir(t, "    create_campaigns = true\n    member_status = true\n")
	ctx := context.Background()
	st, err := state.Open(ctx, "sqlite:state.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, sy := feedbackPipeline(t, st, planTime)
	pr, err := sy.Plan(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	applyPlan(t, sy, pr, false)
	os.WriteFile("events.sql", []byte(`
		INSERT INTO campaigns VALUES ('c1', 'Spring', 'email', 'Shortlist', 's', 'f', '2026-03-01T08:00:00Z');
		INSERT INTO events VALUES ('c1', 'ann@example.com', 'opened', '2026-03-01T09:00:00Z');`), 0o644)
	execSQL(t, "lists.db", "events.sql")

	plan := func(now time.Time) (*engine.FeedbackSync, *engine.FeedbackPlan) {
		_, sy := feedbackPipeline(t, st, now)
		fs, err := engine.NewFeedbackSync(sy)
		if err != nil {
			t.Fatal(err)
		}
		in, err := fs.Ingest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pl, err := fs.Plan(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return fs, pl
	}
	fs, pl := plan(planTime.Add(time.Hour))
	pl.Config = []string{"pipeline.hcl"}
	if err := engine.WriteFeedbackFile("fb.plan", pl); err != nil {
		t.Fatal(err)
	}
	if !engine.IsFeedbackPlanFile("fb.plan") || engine.IsFeedbackPlanFile("pipeline.hcl") {
		t.Error("IsFeedbackPlanFile cannot tell a feedback plan")
	}
	got, err := engine.ReadFeedbackFile("fb.plan")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pl, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	// A second plan of the same events, applied first, makes the saved
	// one stale.
	fs2, pl2 := plan(planTime.Add(2 * time.Hour))
	lease, release, err := fs2.Sync.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs2.Apply(ctx, pl2, lease, engine.FeedbackApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	release()
	if err := fs.CheckSavedFeedback(ctx, got); !errors.Is(err, engine.ErrStalePlan) {
		t.Errorf("a stale saved plan: %v", err)
	}
	if err := fs2.CheckSavedFeedback(ctx, pl2); err == nil || !strings.Contains(err.Error(), "already applied") {
		t.Errorf("an applied plan: %v", err)
	}
	// Tampering is detected.
	b, _ := os.ReadFile("fb.plan")
	os.WriteFile("fb.plan", []byte(strings.Replace(string(b), `"opened"`, `"clicked"`, 1)), 0o600)
	if _, err := engine.ReadFeedbackFile("fb.plan"); err == nil {
		t.Error("a changed plan file was accepted")
	}
}
