package engine

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-sync/sluice/connectors"
	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine/plan"
	"github.com/sluice-sync/sluice/engine/state"
)

// The stage benchmarks run the reference job of bench/ (the harness's
// candidates, its criteria and mapping) over generated rows held in
// memory, one stage at a time.

const benchRows = 100_000

const stagePipeline = `
connection "candidates" {
  connector = "csv"
  settings = {
    path = "candidates.csv"
    id   = "id"
  }
}
connection "out" {
  connector = "jsonl"
  settings = { path = "out.jsonl" }
}
pipeline "job" {
  source { connection = connection.candidates }
  criteria = "status in ['New', 'In-review'] && experience_years >= 2 && country == 'Japan' && !unsubscribed"
  transform "contact" {
    fields = {
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
    key        = "Contact Email"
  }
  quota { max_records = 25000 }
}
`

// writeCandidates writes n candidate rows shaped like the benchmark
// harness's data: about a third are selected, and emails repeat.
func writeCandidates(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "id,first_name,last_name,email,phone,city,country,status,experience_years,skills,modified_at,unsubscribed")
	firsts := []string{"Mary", "Emi", "Kenji", "Noah", "Yuki", "Liam", "Sakura", "Jose"}
	lasts := []string{"Rossi", "Suzuki", "Tanaka", "Ito", "Brown", "Kato", "Watanabe", "Garcia"}
	statuses := []string{"New", "In-review", "Rejected", "Hired", "New", "In-review"}
	countries := []string{"Japan", "Japan", "United States", "Japan", "France"}
	for i := 0; i < n; i++ {
		fn, ln := firsts[i%len(firsts)], lasts[(i/7)%len(lasts)]
		fmt.Fprintf(w, "cand-%08d,%s,%s, %s.%s%d@Example.com ,+81 62-2333-%04d,Tokyo,%s,%s,%d,\"Go,SQL\",2024-01-08T08:05:45Z,%t\n",
			i, fn, ln, fn, ln, i%(n/2+1), i%10000, countries[i%len(countries)], statuses[(i/3)%len(statuses)], i%12, i%17 == 0)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

// WriteCandidates is writeCandidates for the package's external tests.
var WriteCandidates = writeCandidates

// batchKeeper is a ReadSink keeping every batch.
type batchKeeper struct{ recs []arrow.RecordBatch }

func (k *batchKeeper) Batch(rec arrow.RecordBatch) error {
	rec.Retain()
	k.recs = append(k.recs, rec)
	return nil
}
func (k *batchKeeper) Tombstones([]string) error      { return nil }
func (k *batchKeeper) Reject(r sdk.RejectedRow) error { return nil }

type stageFixture struct {
	r    *Resolved
	recs []arrow.RecordBatch
}

// newStageFixture resolves the reference job over benchRows generated
// rows and reads them into memory.
func newStageFixture(b testing.TB) *stageFixture {
	b.Helper()
	b.Chdir(b.TempDir())
	writeCandidates(b, "candidates.csv", benchRows)
	os.WriteFile("job.hcl", []byte(stagePipeline), 0o644)
	ctx := context.Background()
	cfg, diags := dsl.Load([]string{"job.hcl"}, dsl.LoadOptions{Registry: connectors.Builtin()})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	conns := NewConns(cfg)
	b.Cleanup(func() { conns.Close() })
	res, diags := Resolve(ctx, cfg, conns, nil, time.Now())
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	conn, err := conns.Get(ctx, "candidates")
	if err != nil {
		b.Fatal(err)
	}
	k := &batchKeeper{}
	if err := conn.(sdk.Source).Read(ctx, sdk.ReadRequest{BatchRows: DefaultBatchRows}, k); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		for _, r := range k.recs {
			r.Release()
		}
	})
	return &stageFixture{r: res["job"], recs: k.recs}
}

func (f *stageFixture) collect(b testing.TB) *collector {
	return f.collectLimited(b, -1)
}

func (f *stageFixture) collectLimited(b testing.TB, limit int) *collector {
	col := newCollector(context.Background(), newEvaluator(f.r.Program, sdk.KeyString), f.r.Stream, time.Time{})
	col.seenMode = seenNone
	col.limitAdds(limit, nil)
	for _, rec := range f.recs {
		if err := col.Batch(rec); err != nil {
			b.Fatal(err)
		}
	}
	col.finish()
	return col
}

func reportRows(b *testing.B, rows int) {
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkCriteria evaluates the criteria on every row.
func BenchmarkCriteria(b *testing.B) {
	f := newStageFixture(b)
	e := newEvaluator(f.r.Program, sdk.KeyString)
	env := e.envs[0]
	b.ReportAllocs()
	selected := 0
	for b.Loop() {
		selected = 0
		for _, rec := range f.recs {
			if err := e.bind(rec); err != nil {
				b.Fatal(err)
			}
			for i := range int(rec.NumRows()) {
				for _, c := range e.crit {
					env[c.name] = c.get(i)
				}
				v, err := e.machine.Run(f.r.Program.Criteria.Prog, env)
				if err != nil {
					b.Fatal(err)
				}
				if v.(bool) {
					selected++
				}
			}
		}
	}
	reportRows(b, benchRows)
	b.ReportMetric(float64(selected), "selected")
}

// BenchmarkMap maps the selected rows: the transform's six fields and
// the key.
func BenchmarkMap(b *testing.B) {
	f := newStageFixture(b)
	sel := newEvaluator(f.r.Program, sdk.KeyString)
	var rows [][]int // per batch, the selected rows
	n := 0
	for _, rec := range f.recs {
		sel.bind(rec)
		var idx []int
		for i := range int(rec.NumRows()) {
			if res, _, _, _ := sel.row(i); res == rowSelected {
				idx = append(idx, i)
			}
		}
		rows = append(rows, idx)
		n += len(idx)
	}
	noCriteria := *f.r.Program
	noCriteria.Criteria = nil
	e := newEvaluator(&noCriteria, sdk.KeyString)
	b.ReportAllocs()
	for b.Loop() {
		for k, rec := range f.recs {
			e.bind(rec)
			for _, i := range rows[k] {
				if res, _, _, reason := e.row(i); res != rowSelected {
					b.Fatal(reason)
				}
			}
		}
	}
	reportRows(b, n)
}

// BenchmarkCollect runs read's stages over the batches: select, map and
// deduplicate by key, keeping the winners.
func BenchmarkCollect(b *testing.B) {
	f := newStageFixture(b)
	b.ReportAllocs()
	var col *collector
	for b.Loop() {
		col = f.collect(b)
	}
	reportRows(b, benchRows)
	b.ReportMetric(float64(len(col.winners)), "winners")
}

// BenchmarkDiff runs the stages after deduplication — suppress, diff,
// quota — against an empty state (a first run: every winner an add or
// over quota) and against a state holding every winner (a rerun without
// changes).
func BenchmarkDiff(b *testing.B) {
	f := newStageFixture(b)
	col := f.collect(b)
	ctx := context.Background()
	p := f.r.Pipeline
	for _, bc := range []struct {
		name   string
		filled bool
	}{{"first", false}, {"unchanged", true}} {
		b.Run(bc.name, func(b *testing.B) {
			st, err := state.OpenSQLite(ctx, filepath.Join(b.TempDir(), "state.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			if _, err := st.RegisterPipeline(ctx, state.Pipeline{Name: p.Name, ConfigHash: "h", SourceConnection: "candidates",
				SinkConnection: "out"}); err != nil {
				b.Fatal(err)
			}
			lease, err := st.AcquireLease(ctx, p.Name, state.CurrentHolder(), time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			if bc.filled {
				c := &state.Commit{Pipeline: p.Name, Token: lease.Token}
				for _, w := range col.winners {
					enc := encodeFields(nil, f.r.Program.Output, w.vals)
					c.Upsert = append(c.Upsert, state.Member{Key: w.key, SourceID: w.srcID, Position: w.pos,
						Hash: hashFields(enc), Fields: enc, Status: state.MemberActive})
				}
				if _, err := st.Commit(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
			req := PlanRequest{Resolved: f.r, Store: st, SinkConnection: "out"}
			b.ReportAllocs()
			for b.Loop() {
				for _, w := range col.winners {
					w.enc = nil // encoded again, as in a plan
				}
				d := &differ{p: p, out: f.r.Program.Output, winners: col.winners, seen: col.seen,
					tombstones: col.tombstones, fullRead: true, plan: plan.New(p.Name, time.Now())}
				d.suppress()
				if err := d.diff(ctx, st); err != nil {
					b.Fatal(err)
				}
				if err := d.quota(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(col.winners))*float64(b.N)/b.Elapsed().Seconds(), "winners/s")
		})
	}
}

// TestLimitAddsSamePlan checks that keeping only the key and source id
// of the winners past the quota gives the plan the full winners give.
func TestLimitAddsSamePlan(t *testing.T) {
	f := newStageFixture(t)
	ctx := context.Background()
	st, err := state.OpenSQLite(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := f.r.Pipeline
	var plans [2]*plan.Plan
	for i, limit := range []int{-1, addLimit(p, 0)} {
		col := f.collectLimited(t, limit)
		if limit >= 0 && len(col.beyond) == 0 {
			t.Fatal("no winner past the quota: the case is not exercised")
		}
		pl := plan.New(p.Name, time.Unix(0, 0))
		pl.Summary = col.summary
		pl.Skipped = append(pl.Skipped, col.duplicates...)
		d := &differ{p: p, out: f.r.Program.Output, winners: col.winners, beyond: col.beyond, seen: col.seen,
			tombstones: col.tombstones, fullRead: true, plan: pl}
		d.suppress()
		if err := d.diff(ctx, st); err != nil {
			t.Fatal(err)
		}
		if err := d.quota(ctx, PlanRequest{Resolved: f.r, Store: st}); err != nil {
			t.Fatal(err)
		}
		pl.Normalize()
		plans[i] = pl
	}
	var a, b strings.Builder
	plan.WriteJSON(&a, plans[0])
	plan.WriteJSON(&b, plans[1])
	if a.String() != b.String() {
		t.Errorf("the plans differ: %d and %d bytes, summaries %+v and %+v", a.Len(), b.Len(), plans[0].Summary, plans[1].Summary)
	}
}
