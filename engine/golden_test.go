package engine_test

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/sluice-sync/sluice/connectors"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/plan"
	"github.com/sluice-sync/sluice/engine/state"
)

var update = flag.Bool("update", false, "rewrite the golden plans of testdata/plan")

// planTime is every golden plan's now().
var planTime = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

// TestGoldenPlans runs each case of testdata/plan: its pipeline.hcl reads
// data.csv into a `lists` list in lists.db. When the case has before.csv,
// that data is applied first (the prior state), then before.sql, if any,
// runs against lists.db (a person unsubscribing someone, say). Then
// input.csv becomes data.csv and the plan must equal plan.txt and
// plan.json. A file `args` may hold "allow-removals".
func TestGoldenPlans(t *testing.T) {
	cases, _ := filepath.Glob("../testdata/plan/*")
	if len(cases) == 0 {
		t.Fatal("no golden plan cases")
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			abs, _ := filepath.Abs(dir)
			work := t.TempDir()
			for _, f := range []string{"pipeline.hcl", "before.csv", "before.sql", "input.csv", "args"} {
				if b, err := os.ReadFile(filepath.Join(abs, f)); err == nil {
					os.WriteFile(filepath.Join(work, f), b, 0o644)
				}
			}
			t.Chdir(work)
			args, _ := os.ReadFile("args")
			allow := strings.Contains(string(args), "allow-removals")
			st, err := state.Open(context.Background(), "sqlite:state.db")
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()

			if b, err := os.ReadFile("before.csv"); err == nil {
				os.WriteFile("data.csv", b, 0o644)
				pr, sy := goldenPlan(t, st, planTime.Add(-24*time.Hour))
				applyPlan(t, sy, pr, true)
			}
			if b, err := os.ReadFile("before.sql"); err == nil {
				db, err := sql.Open("sqlite3", "lists.db")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.Exec(string(b)); err != nil {
					t.Fatalf("before.sql: %v", err)
				}
				db.Close()
			}
			b, err := os.ReadFile("input.csv")
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile("data.csv", b, 0o644)
			pr, sy := goldenPlan(t, st, planTime)
			pl := pr.Plan
			if err := pl.Validate(); err != nil {
				t.Errorf("inconsistent plan: %v", err)
			}
			var txt, js bytes.Buffer
			plan.WriteText(&txt, pl, plan.TextOptions{Verbose: true})
			plan.WriteJSON(&js, pl)
			golden(t, filepath.Join(abs, "plan.txt"), txt.Bytes())
			golden(t, filepath.Join(abs, "plan.json"), js.Bytes())

			// Applying the plan, then planning again, gives no changes:
			// what was sent is what the state holds.
			if pl.GuardBreach != nil && !allow {
				return
			}
			applyPlan(t, sy, pr, allow)
			again, _ := goldenPlan(t, st, planTime.Add(time.Hour))
			if again.Plan.Summary.Add+again.Plan.Summary.Update != 0 {
				t.Errorf("after applying, a new plan still adds %d and updates %d", again.Plan.Summary.Add, again.Plan.Summary.Update)
			}
		})
	}
}

func goldenPlan(t *testing.T, st state.Store, now time.Time) (*engine.Prepared, *engine.Sync) {
	t.Helper()
	cfg, diags := dsl.Load([]string{"pipeline.hcl"}, dsl.LoadOptions{Registry: connectors.Builtin()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	conns := engine.NewConns(cfg)
	t.Cleanup(func() { conns.Close() })
	res, diags := engine.Resolve(context.Background(), cfg, conns, nil, now)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	name := cfg.PipelineNames()[0]
	sy := &engine.Sync{Config: cfg, Store: st, Conns: conns, Resolved: res[name], Now: now}
	pr, err := sy.Plan(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return pr, sy
}

func applyPlan(t *testing.T, sy *engine.Sync, pr *engine.Prepared, allow bool) {
	t.Helper()
	ctx := context.Background()
	lease, release, err := sy.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if err := sy.Register(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := sy.Apply(ctx, pr, lease, engine.ApplyOptions{AllowRemovals: allow}); err != nil {
		t.Fatal(err)
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (run with -update to accept):\n--- want\n%s\n--- got\n%s", filepath.Base(path), want, got)
	}
}
