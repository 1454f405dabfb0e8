package engine_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/connectors"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/plan"
	"github.com/sluice-sync/sluice/engine/state"
)

// The reference job of the benchmarks in bench/: candidates selected,
// mapped and written, the first 250,000 of them, to a jsonl export keyed
// by source id (stateless) or to a `lists` list keyed by email (stateful).
const jobPipeline = `
connection "candidates" {
  connector = "csv"
  settings = {
    path = "candidates.csv"
    id   = "id"
  }
}
connection "out" {
  connector = "%s"
  settings = { path = "%s" }
}
pipeline "job" {
  source { connection = connection.candidates }
  criteria = "status in ['New', 'In-review'] && experience_years >= 2 && country == 'Japan' && !unsubscribed"
  transform "contact" {
    fields = {
      "id"            = "id"
      "Contact Email" = "lower(trim(email))"
      "First Name"    = "first_name"
      "Last Name"     = "last_name"
      "Full Name"     = "first_name + ' ' + last_name"
      "City"          = "city"
      "source"        = "'recruit'"
    }
  }
  sink {
    connection = connection.out
    list       = "candidates"
    create     = true
    key        = "%s"
  }
  quota { max_records = 250000 }
}
`

// BenchmarkJob runs the reference job end to end through the engine, as
// `sluice apply -auto-approve` does (plan, the plan's text, apply), and
// reports the time of each phase. SLUICE_BENCH_CSV names a candidates
// file to read (the harness's cand_1m.csv); without it, 100k generated
// rows are used.
func BenchmarkJob(b *testing.B) {
	for _, sink := range []struct {
		name, connector, path, key string
		rerun                      bool // time a second run, against the first's state
	}{
		{"jsonl", "jsonl", "out.jsonl", "id", false},
		{"lists", "lists", "lists.db", "Contact Email", false},
		{"lists-rerun", "lists", "lists.db", "Contact Email", true},
	} {
		b.Run(sink.name, func(b *testing.B) {
			dir := b.TempDir()
			b.Chdir(dir)
			if src := os.Getenv("SLUICE_BENCH_CSV"); src != "" {
				abs, _ := filepath.Abs(src)
				if err := os.Symlink(abs, "candidates.csv"); err != nil {
					b.Fatal(err)
				}
			} else {
				engine.WriteCandidates(b, "candidates.csv", 100_000)
			}
			os.WriteFile("job.hcl", fmt.Appendf(nil, jobPipeline, sink.connector, sink.path, sink.key), 0o644)
			var tPlan, tText, tApply time.Duration
			b.ReportAllocs()
			if sink.rerun {
				runJob(b, "state/state.db")
			}
			for i := 0; b.Loop(); i++ {
				statePath := "state/state.db"
				if !sink.rerun {
					b.StopTimer()
					os.RemoveAll("state")
					os.Remove(sink.path)
					statePath = fmt.Sprintf("state/%d.db", i)
					b.StartTimer()
				}
				p, t, a := runJob(b, statePath)
				tPlan, tText, tApply = tPlan+p, tText+t, tApply+a
			}
			n := float64(b.N)
			b.ReportMetric(tPlan.Seconds()/n, "plan-s/op")
			b.ReportMetric(tText.Seconds()/n, "text-s/op")
			b.ReportMetric(tApply.Seconds()/n, "apply-s/op")
		})
	}
}

func runJob(b *testing.B, statePath string) (tPlan, tText, tApply time.Duration) {
	ctx := context.Background()
	t0 := time.Now()
	cfg, diags := dsl.Load([]string{"job.hcl"}, dsl.LoadOptions{Registry: connectors.Builtin()})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	conns := engine.NewConns(cfg)
	defer conns.Close()
	now := time.Now().UTC()
	res, diags := engine.Resolve(ctx, cfg, conns, nil, now)
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	st, err := state.Open(ctx, "sqlite:"+statePath)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	sy := &engine.Sync{Config: cfg, Store: st, Conns: conns, Resolved: res["job"], Now: now}
	lease, release, err := sy.Lock(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer release()
	pr, err := sy.Plan(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	t1 := time.Now()
	if err := plan.WriteText(io.Discard, pr.Plan, plan.TextOptions{}); err != nil {
		b.Fatal(err)
	}
	t2 := time.Now()
	if err := sy.Register(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := sy.Apply(ctx, pr, lease, engine.ApplyOptions{}); err != nil {
		b.Fatal(err)
	}
	return t1.Sub(t0), t2.Sub(t1), time.Since(t2)
}
