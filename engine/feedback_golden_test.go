package engine_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/connectors"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/engine/state"
)

// TestGoldenFeedback runs each case of testdata/feedback. Its
// pipeline.hcl reads a sqlite source (src.db, made by source.sql) into a
// `lists` list (lists.db), which is synced once. Then, for each
// lists<N>.sql, that script runs against lists.db (campaigns and events
// arriving, members added by hand) and a feedback run is planned and
// applied: the plan and what the apply did must equal feedback<N>.txt,
// and the plan feedback<N>.json. After the last one, another feedback run
// must have nothing to write, and the source's tables must equal
// source.txt.
func TestGoldenFeedback(t *testing.T) {
	cases, _ := filepath.Glob("../testdata/feedback/*")
	if len(cases) == 0 {
		t.Fatal("no golden feedback cases")
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			abs, _ := filepath.Abs(dir)
			work := t.TempDir()
			files, _ := filepath.Glob(filepath.Join(abs, "*"))
			for _, f := range files {
				if b, err := os.ReadFile(f); err == nil {
					os.WriteFile(filepath.Join(work, filepath.Base(f)), b, 0o644)
				}
			}
			t.Chdir(work)
			execSQL(t, "src.db", "source.sql")
			st, err := state.Open(context.Background(), "sqlite:state.db")
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			_, sy := feedbackPipeline(t, st, planTime.Add(-24*time.Hour))
			pr, err := sy.Plan(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			applyPlan(t, sy, pr, false)

			for i := 1; ; i++ {
				script := fmt.Sprintf("lists%d.sql", i)
				if _, err := os.Stat(script); err != nil {
					if i == 1 {
						t.Fatal("the case has no lists1.sql")
					}
					break
				}
				execSQL(t, "lists.db", script)
				var txt, js bytes.Buffer
				fpl, res := runFeedback(t, st, planTime.Add(time.Duration(i)*time.Hour), &txt)
				engine.WriteFeedbackJSON(&js, fpl)
				fmt.Fprintf(&txt, "\nApplied: %s\n", counts(res))
				for _, r := range res.Rejected {
					fmt.Fprintf(&txt, "  rejected %s %s: %s\n", r.Write.Action, r.Write.Marker, r.Reason)
				}
				golden(t, filepath.Join(abs, fmt.Sprintf("feedback%d.txt", i)), txt.Bytes())
				golden(t, filepath.Join(abs, fmt.Sprintf("feedback%d.json", i)), js.Bytes())
			}
			again, _ := runFeedback(t, st, planTime.Add(100*time.Hour), nil)
			if again.HasChanges() {
				var b bytes.Buffer
				engine.WriteFeedbackText(&b, again, engine.FeedbackTextOptions{})
				t.Errorf("a feedback run after the last one still writes:\n%s", b.String())
			}
			golden(t, filepath.Join(abs, "source.txt"), dumpTables(t, "src.db"))
		})
	}
}

// feedbackPipeline loads pipeline.hcl and returns its Sync.
func feedbackPipeline(t *testing.T, st state.Store, now time.Time) (*engine.Resolved, *engine.Sync) {
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
	return res[name], &engine.Sync{Config: cfg, Store: st, Conns: conns, Resolved: res[name], Now: now}
}

// runFeedback plans and applies one feedback run, rendering its plan to
// txt when not nil.
func runFeedback(t *testing.T, st state.Store, now time.Time, txt *bytes.Buffer) (*engine.FeedbackPlan, *engine.FeedbackResult) {
	t.Helper()
	ctx := context.Background()
	_, sy := feedbackPipeline(t, st, now)
	fs, err := engine.NewFeedbackSync(sy)
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.CheckRegistered(ctx); err != nil {
		t.Fatal(err)
	}
	lease, release, err := sy.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	in, err := fs.Ingest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := fs.Plan(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	res, err := fs.Apply(ctx, pl, lease, engine.FeedbackApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if txt != nil {
		// The configuration's hash changes with how it is computed, not
		// with the plan: the goldens leave it out.
		pl.ConfigHash = "(config)"
		pl.ID = pl.ContentHash()
		engine.WriteFeedbackText(txt, pl, engine.FeedbackTextOptions{})
	}
	return pl, res
}

func counts(res *engine.FeedbackResult) string {
	keys := make([]string, 0, len(res.Counts))
	for k := range res.Counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, res.Counts[k]))
	}
	if len(parts) == 0 {
		parts = append(parts, "nothing")
	}
	return strings.Join(parts, ", ") + fmt.Sprintf("; checkpoint advanced: %v", res.Advanced)
}

func execSQL(t *testing.T, db, script string) {
	t.Helper()
	b, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	h, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, err := h.Exec(string(b)); err != nil {
		t.Fatalf("%s: %v", script, err)
	}
}

// dumpTables renders every table of a SQLite file, its rows in rowid
// order, values separated by " | ".
func dumpTables(t *testing.T, path string) []byte {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var b bytes.Buffer
	for _, tb := range tables {
		rows, err := db.Query(`SELECT * FROM "` + tb + `" ORDER BY rowid`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		fmt.Fprintf(&b, "%s: %s\n", tb, strings.Join(cols, " | "))
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			parts := make([]string, len(vals))
			for i, v := range vals {
				parts[i] = v.String
				if !v.Valid {
					parts[i] = "NULL"
				}
			}
			fmt.Fprintf(&b, "  %s\n", strings.Join(parts, " | "))
		}
		rows.Close()
		b.WriteString("\n")
	}
	return b.Bytes()
}
