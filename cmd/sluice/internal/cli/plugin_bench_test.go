package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/plan"
	"github.com/sluice-sync/sluice/engine/state"
)

// The reference job of ../shared/bench (bench/stateless.hcl): candidates
// selected and mapped, the first 250,000 into a jsonl export.
const benchJob = `
connection "candidates" {
  connector = "csv"
  settings = {
    path = "candidates.csv"
    id   = "id"
  }
}
connection "export" {
  connector = "jsonl"
  settings = { path = "out.jsonl" }
}
pipeline "reference" {
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
    connection = connection.export
    key        = "id"
  }
  quota { max_records = 250000 }
}
`

// BenchmarkReferenceJob runs the reference job end to end (plan and
// apply, with state) with the csv and jsonl connectors in process and as
// plugin processes. SLUICE_BENCH_CSV names a candidates file (the
// harness's cand_1m.csv); without it 200k generated rows are used.
func BenchmarkReferenceJob(b *testing.B) {
	src := os.Getenv("SLUICE_BENCH_CSV")
	if src == "" {
		src = filepath.Join(b.TempDir(), "candidates.csv")
		writeCandidates(b, src, 200_000)
	}
	src, _ = filepath.Abs(src)
	for _, mode := range []string{"in-process", "plugins"} {
		b.Run(mode, func(b *testing.B) {
			dir := b.TempDir()
			b.Chdir(dir)
			if err := os.Symlink(src, "candidates.csv"); err != nil {
				b.Fatal(err)
			}
			write(b, "job.hcl", benchJob)
			plugin := mode == "plugins"
			reg := sdk.NewRegistry(builtin(b, "csv", plugin), builtin(b, "jsonl", plugin))
			var read int
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				read = runBenchJob(b, reg, fmt.Sprintf("state-%d.db", i))
			}
			b.ReportMetric(float64(read)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func runBenchJob(b *testing.B, reg *sdk.Registry, statePath string) int {
	ctx := context.Background()
	cfg, diags := dsl.Load([]string{"job.hcl"}, dsl.LoadOptions{Registry: reg})
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
	sy := &engine.Sync{Config: cfg, Store: st, Conns: conns, Resolved: res["reference"], Now: now}
	lease, release, err := sy.Lock(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer release()
	pr, err := sy.Plan(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := plan.WriteText(io.Discard, pr.Plan, plan.TextOptions{}); err != nil {
		b.Fatal(err)
	}
	if err := sy.Register(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := sy.Apply(ctx, pr, lease, engine.ApplyOptions{}); err != nil {
		b.Fatal(err)
	}
	return pr.Plan.Summary.Read
}

// writeCandidates writes n candidates shaped like the harness's.
func writeCandidates(b *testing.B, path string, n int) {
	var sb strings.Builder
	sb.WriteString("id,first_name,last_name,email,phone,city,country,status,experience_years,skills,modified_at,unsubscribed\n")
	statuses := []string{"New", "In-review", "Rejected", "Hired"}
	countries := []string{"Japan", "Japan", "United States", "Germany"}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "cand-%08d,First%d,Last%d,First%d.Last%d@Example.jp,+81 00-0000-0000,Tokyo,%s,%s,%d,\"Go,SQL\",2024-01-%02dT08:05:45Z,%v\n",
			i, i%500, i%300, i%500, i, countries[i%4], statuses[i%3], i%12, 1+i%28, i%10 == 0)
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
}
