package state

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type appliedStep struct {
	Version   int
	Name      string
	AppliedAt int64
}

func appliedSteps(t *testing.T, db *sql.DB) []appliedStep {
	t.Helper()
	rows, err := db.Query(`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []appliedStep
	for rows.Next() {
		var s appliedStep
		if err := rows.Scan(&s.Version, &s.Name, &s.AppliedAt); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func tableNames(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func TestMigrationsAreNumbered(t *testing.T) {
	for i, m := range migrations {
		if m.version != i+1 {
			t.Errorf("migration %d (%s) has version %d, want %d", i, m.name, m.version, i+1)
		}
	}
}

// TestNoCheckWithIN guards bulk write speed: see migrations.
func TestNoCheckWithIN(t *testing.T) {
	in := regexp.MustCompile(`(?i)CHECK\s*\([^)]*\bIN\s*\(`)
	for _, m := range migrations {
		if loc := in.FindStringIndex(m.sql); loc != nil {
			t.Errorf("migration %d: CHECK with an IN list: %s", m.version, m.sql[loc[0]:min(loc[1]+40, len(m.sql))])
		}
	}
}

func TestMigrateFromEmptyAndReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	c := newClock()
	s, err := OpenSQLite(ctx, path, WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	first := appliedSteps(t, s.w)
	var want []appliedStep
	for _, m := range migrations {
		want = append(want, appliedStep{m.version, m.name, encTime(c.Now())})
	}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("after migrating an empty database (-want +got):\n%s", diff)
	}
	wantTables := []string{"campaigns", "events", "feedback_done", "leases", "members", "pipelines",
		"provenance", "rejections", "runs", "schema_migrations", "suppressions", "watermarks"}
	if diff := cmp.Diff(wantTables, tableNames(t, s.w)); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
	if _, err := s.RegisterPipeline(ctx, Pipeline{Name: "kept"}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	c.Add(24 * 3600e9)
	s, err = OpenSQLite(ctx, path, WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if diff := cmp.Diff(first, appliedSteps(t, s.w)); diff != "" {
		t.Errorf("reopening changed schema_migrations (-before +after):\n%s", diff)
	}
	if _, err := s.Pipeline(ctx, "kept"); err != nil {
		t.Errorf("data lost on reopen: %v", err)
	}
}

// TestMigrateSteps runs migrate with made-up steps: upgrading applies only
// the missing ones, a failing step leaves the database at the previous
// version, and a database newer than the steps is refused untouched.
func TestMigrateSteps(t *testing.T) {
	ctx := context.Background()
	steps := []migration{
		{1, "one", `CREATE TABLE a (x INTEGER)`},
		{2, "two", `CREATE TABLE b (x INTEGER); INSERT INTO a VALUES (2)`},
		{3, "three", `CREATE TABLE c (x INTEGER)`},
	}
	bad := migration{4, "bad", `CREATE TABLE d (x INTEGER); INSERT INTO nowhere VALUES (1)`}

	tests := []struct {
		name       string
		before     []migration // applied first
		steps      []migration
		wantErr    error
		wantAnyErr bool
		want       []int // versions recorded afterwards
		wantTables []string
	}{
		{name: "from empty", steps: steps, want: []int{1, 2, 3},
			wantTables: []string{"a", "b", "c", "schema_migrations"}},
		{name: "upgrade applies the missing steps", before: steps[:1], steps: steps, want: []int{1, 2, 3},
			wantTables: []string{"a", "b", "c", "schema_migrations"}},
		{name: "up to date is a no-op", before: steps, steps: steps, want: []int{1, 2, 3},
			wantTables: []string{"a", "b", "c", "schema_migrations"}},
		{name: "failing step is rolled back", before: steps, steps: append(steps[:3:3], bad), wantAnyErr: true,
			want: []int{1, 2, 3}, wantTables: []string{"a", "b", "c", "schema_migrations"}},
		{name: "newer database is refused", before: steps, steps: steps[:2], wantErr: ErrSchemaTooNew,
			want: []int{1, 2, 3}, wantTables: []string{"a", "b", "c", "schema_migrations"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			if tt.before != nil {
				if err := migrate(ctx, db, tt.before, 1); err != nil {
					t.Fatal(err)
				}
			}
			err = migrate(ctx, db, tt.steps, 2)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("migrate: %v, want %v", err, tt.wantErr)
			case tt.wantAnyErr && err == nil:
				t.Errorf("migrate succeeded, want an error")
			case tt.wantErr == nil && !tt.wantAnyErr && err != nil:
				t.Errorf("migrate: %v", err)
			}
			var got []int
			for _, s := range appliedSteps(t, db) {
				got = append(got, s.Version)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("versions (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantTables, tableNames(t, db)); diff != "" {
				t.Errorf("tables (-want +got):\n%s", diff)
			}
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM a`).Scan(&n); err != nil || n != 1 {
				t.Errorf("step 2 ran %d times (err %v), want once", n, err)
			}
		})
	}
}

func TestOpenNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	next := len(migrations) + 1
	if _, err := s.w.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', 0)`, next); err != nil {
		t.Fatal(err)
	}
	s.Close()

	_, err = Open(ctx, "sqlite:"+path)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer database: %v, want ErrSchemaTooNew", err)
	}
	t.Log(err)
}
