package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// setup creates a database file with the given statements and opens a
// connection to it with settings.
func setup(t *testing.T, settings sdk.Settings, stmts ...string) (*conn, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "src.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	s := sdk.Settings{"path": path}
	for k, v := range settings {
		s[k] = v
	}
	c, err := New().Open(context.Background(), sdk.OpenRequest{Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*conn), db
}

// recorder is a sdk.ReadSink keeping rows as text.
type recorder struct {
	rows       []string
	tombstones []string
	rejected   []sdk.RejectedRow
	schema     *arrow.Schema
}

func (r *recorder) Batch(rec arrow.RecordBatch) error {
	r.schema = rec.Schema()
	for i := 0; i < int(rec.NumRows()); i++ {
		var parts []string
		for j := 0; j < int(rec.NumCols()); j++ {
			col := rec.Column(j)
			if col.IsNull(i) {
				parts = append(parts, "∅")
				continue
			}
			parts = append(parts, col.ValueStr(i))
		}
		r.rows = append(r.rows, strings.Join(parts, "|"))
	}
	return nil
}

func (r *recorder) Tombstones(ids []string) error {
	r.tombstones = append(r.tombstones, ids...)
	return nil
}

func (r *recorder) Reject(row sdk.RejectedRow) error {
	r.rejected = append(r.rejected, row)
	return nil
}

func schemaTypes(s *arrow.Schema) string {
	var parts []string
	for _, f := range s.Fields() {
		parts = append(parts, f.Name+":"+f.Type.String())
	}
	return strings.Join(parts, " ")
}

const candidates = `CREATE TABLE candidates(
	id INTEGER PRIMARY KEY, email TEXT, score REAL, active BOOLEAN, modified_at DATETIME,
	tags, n NUMERIC, gone INTEGER)`

func TestDiscoverTypes(t *testing.T) {
	c, _ := setup(t, sdk.Settings{"cursor": "modified_at", "types": map[string]string{"tags": "[]string"}},
		candidates,
		`INSERT INTO candidates VALUES (1, 'a@example.com', 1.5, 1, '2026-01-01T00:00:00Z', 'go; sql', 3, 0)`,
		`INSERT INTO candidates VALUES (2, 'b@example.com', 2, 0, '2026-01-02 00:00:00', NULL, 4, 0)`,
		`CREATE TABLE other(id TEXT, x)`,
		`CREATE TABLE no_id(key TEXT)`,
	)
	resp, err := c.Discover(context.Background(), sdk.DiscoverRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.Streams {
		names = append(names, s.Name)
	}
	if diff := cmp.Diff([]string{"candidates", "other"}, names); diff != "" {
		t.Fatalf("streams (-want +got):\n%s", diff)
	}
	_, err = c.Discover(context.Background(), sdk.DiscoverRequest{Stream: "nope"})
	if err == nil || !strings.Contains(err.Error(), `no table "nope"`) {
		t.Errorf("unknown stream: got %v", err)
	}
	st := resp.Streams[0]
	want := "id:int64 email:utf8 score:float64 active:bool modified_at:timestamp[us, tz=UTC] tags:list<item: utf8, nullable> n:int64 gone:int64"
	if got := schemaTypes(st.Schema); got != want {
		t.Errorf("schema:\n got %s\nwant %s", got, want)
	}
	if st.IDField != "id" || st.CursorField != "modified_at" || st.Tombstones {
		t.Errorf("stream: %+v", st)
	}
}

func TestReadTable(t *testing.T) {
	c, _ := setup(t, sdk.Settings{"table": "candidates", "cursor": "modified_at", "deleted": "gone"},
		candidates,
		`INSERT INTO candidates VALUES (1, 'a@example.com', 1.5, 1, '2026-01-01T00:00:00Z', 'x', 3, 0)`,
		`INSERT INTO candidates VALUES (2, 'b@example.com', 2, 0, '2026-01-03 00:00:00', NULL, 4, 0)`,
		`INSERT INTO candidates VALUES (3, 'c@example.com', 'high', 0, '2026-01-03 00:00:00', NULL, 4, 0)`,
		`INSERT INTO candidates VALUES (4, 'd@example.com', 1, 0, 'yesterday', NULL, 4, 0)`,
		`INSERT INTO candidates VALUES (5, 'e@example.com', 1, 0, '2026-01-04T00:00:00Z', NULL, 4, 1)`,
		`INSERT INTO candidates VALUES (6, 'f@example.com', 1, 0, NULL, NULL, 4, 0)`,
	)
	ctx := context.Background()
	var r recorder
	if err := c.Read(ctx, sdk.ReadRequest{Stream: "candidates", Since: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}, &r); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"2|b@example.com|2|false|2026-01-03T00:00:00Z|∅|4|0",
		"6|f@example.com|1|false|∅|∅|4|0",
	}
	if diff := cmp.Diff(want, r.rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"5"}, r.tombstones); diff != "" {
		t.Errorf("tombstones (-want +got):\n%s", diff)
	}
	wantRej := []sdk.RejectedRow{
		{ID: "3", Position: "row 3", Reason: `column "score": "high" is not a number`},
		{ID: "4", Position: "row 4", Reason: `column "modified_at": "yesterday" is not a time (RFC 3339, 2006-01-02 15:04:05, or Unix seconds)`},
	}
	if diff := cmp.Diff(wantRej, r.rejected); diff != "" {
		t.Errorf("rejected (-want +got):\n%s", diff)
	}
}

func TestReadQuery(t *testing.T) {
	c, _ := setup(t, sdk.Settings{"query": "SELECT id, upper(email) AS email, score * 2 AS twice FROM candidates WHERE id > 1", "stream": "picked"},
		candidates,
		`INSERT INTO candidates VALUES (1, 'a@example.com', 1.5, 1, NULL, NULL, 3, 0)`,
		`INSERT INTO candidates VALUES (2, 'b@example.com', 2.5, 0, NULL, NULL, 4, 0)`,
		`INSERT INTO candidates VALUES (3, NULL, 1, 0, NULL, NULL, 4, 0)`,
	)
	resp, err := c.Discover(context.Background(), sdk.DiscoverRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := schemaTypes(resp.Streams[0].Schema), "id:int64 email:utf8 twice:float64"; got != want || resp.Streams[0].Name != "picked" {
		t.Errorf("stream %q schema %s, want picked %s", resp.Streams[0].Name, got, want)
	}
	var r recorder
	if err := c.Read(context.Background(), sdk.ReadRequest{Stream: "picked"}, &r); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"2|B@EXAMPLE.COM|5", "3|∅|2"}, r.rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestValidateSettings(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings sdk.Settings
		want     []string
	}{
		{"ok", sdk.Settings{"table": "t"}, nil},
		{"both", sdk.Settings{"table": "t", "query": "SELECT 1"}, []string{"Both table and query are set"}},
		{"not a select", sdk.Settings{"query": "DELETE FROM t"}, []string{"Query is not a SELECT"}},
		{"cursor type", sdk.Settings{"cursor": "m", "types": map[string]string{"m": "int"}}, []string{"Cursor column is not a time"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, p := range (connector{}).ValidateSettings(tc.settings) {
				got = append(got, p.Summary)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func memberBatch(t *testing.T, rows ...[2]string) arrow.RecordBatch {
	t.Helper()
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "Email", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Age", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "Name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for i, r := range rows {
		if r[0] == "" {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.StringBuilder).Append(r[0])
		}
		b.Field(1).(*array.Int64Builder).Append(int64(30 + i))
		b.Field(2).(*array.StringBuilder).Append(r[1])
	}
	return b.NewRecordBatch()
}

func query(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = v.String
			if !v.Valid {
				parts[i] = "∅"
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

func TestSinkWrite(t *testing.T) {
	c, db := setup(t, nil)
	ctx := context.Background()
	rec := memberBatch(t, [2]string{"a@example.com", "Ann"}, [2]string{"", "Nobody"})
	defer rec.Release()
	_, err := c.Write(ctx, sdk.WriteRequest{List: "people", Key: "Email", Op: sdk.OpUpsert}, rec)
	if !errors.Is(err, sdk.ErrListNotFound) {
		t.Fatalf("writing a missing table without create: %v", err)
	}
	resp, err := c.Write(ctx, sdk.WriteRequest{List: "people", Key: "Email", Op: sdk.OpUpsert, Create: true}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]sdk.RecordError{{Row: 1, Reason: `the key "Email" is empty`}}, resp.Failed); diff != "" {
		t.Errorf("failed (-want +got):\n%s", diff)
	}
	rec2 := memberBatch(t, [2]string{"a@example.com", "Ann Lee"}, [2]string{"b@example.com", "Bob"})
	defer rec2.Release()
	if _, err := c.Write(ctx, sdk.WriteRequest{List: "people", Key: "Email", Op: sdk.OpUpsert}, rec2); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a@example.com|30|Ann Lee", "b@example.com|31|Bob"}, query(t, db, `SELECT Email, Age, Name FROM people ORDER BY Email`)); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
	info, err := c.Describe(ctx, sdk.DescribeRequest{List: "people"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]sdk.Field{{Name: "Email", Type: "string"}, {Name: "Age", Type: "int"}, {Name: "Name", Type: "string"}}, info.Fields); diff != "" {
		t.Errorf("describe (-want +got):\n%s", diff)
	}
	keys := memberBatch(t, [2]string{"a@example.com", ""})
	defer keys.Release()
	if _, err := c.Write(ctx, sdk.WriteRequest{List: "people", Key: "Email", Op: sdk.OpRemove}, keys); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"b@example.com"}, query(t, db, `SELECT Email FROM people`)); diff != "" {
		t.Errorf("after remove (-want +got):\n%s", diff)
	}
}

func TestWriteFeedback(t *testing.T) {
	c, db := setup(t, sdk.Settings{"table": "candidates", "campaigns_table": "my_campaigns"},
		`CREATE TABLE candidates(id INTEGER PRIMARY KEY, email TEXT)`,
		`INSERT INTO candidates VALUES (1, 'a@example.com'), (2, 'b@example.com')`,
	)
	ctx := context.Background()
	sent := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	camp := func(name string) map[string]any {
		return map[string]any{"campaign_key": "c1", "name": name, "type": "email", "sent_at": sent}
	}
	for _, name := range []string{"Spring", "Spring hiring"} {
		resp, err := c.WriteFeedback(ctx, sdk.FeedbackRequest{Module: CampaignsModule, Match: "campaign_key", Records: []map[string]any{camp(name)}})
		if err != nil || len(resp.Failed) > 0 {
			t.Fatalf("campaign: %v %v", resp, err)
		}
	}
	if diff := cmp.Diff([]string{"1|c1|Spring hiring|2026-03-01T09:00:00Z|email"}, query(t, db, `SELECT id, campaign_key, name, sent_at, type FROM my_campaigns`)); diff != "" {
		t.Errorf("campaigns (-want +got):\n%s", diff)
	}

	resp, err := c.WriteFeedback(ctx, sdk.FeedbackRequest{Module: "candidates", Match: "id", Records: []map[string]any{
		{"id": "1", "Last_Response": "opened"},
		{"id": "9", "Last_Response": "clicked"},
		{"id": "", "Last_Response": "clicked"},
		{"id": "2", "Last_Response": struct{}{}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	wantFailed := []sdk.RecordError{
		{Row: 1, Reason: `no record of "candidates" has id 9`},
		{Row: 2, Reason: `the match field "id" is empty`},
		{Row: 3, Reason: `field "Last_Response": a struct {} cannot be written`},
	}
	if diff := cmp.Diff(wantFailed, resp.Failed); diff != "" {
		t.Errorf("failed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1|a@example.com|opened", "2|b@example.com|∅"}, query(t, db, `SELECT * FROM candidates ORDER BY id`)); diff != "" {
		t.Errorf("candidates (-want +got):\n%s", diff)
	}

	resp, err = c.WriteFeedback(ctx, sdk.FeedbackRequest{Module: "contacts", Records: []map[string]any{
		{"Email": "z@example.com", "Score": int64(3)},
		{"Email": "y@example.com", "Tags": []string{"a", "b"}},
	}})
	if err != nil || len(resp.Failed) > 0 {
		t.Fatalf("push: %v %v", resp, err)
	}
	if diff := cmp.Diff([]string{"1|z@example.com|3|∅", "2|y@example.com|∅|a; b"}, query(t, db, `SELECT id, Email, Score, Tags FROM contacts ORDER BY id`)); diff != "" {
		t.Errorf("contacts (-want +got):\n%s", diff)
	}
}

func TestOpenRefusesBadSettings(t *testing.T) {
	_, err := New().Open(context.Background(), sdk.OpenRequest{Settings: sdk.Settings{
		"path": filepath.Join(t.TempDir(), "x.db"), "table": "t", "query": "SELECT 1"}})
	if err == nil || !strings.Contains(err.Error(), "Both table and query") {
		t.Errorf("got %v", err)
	}
}

func TestSeed(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.sql")
	os.WriteFile(seed, []byte("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO t VALUES (1, 'a');\n"), 0o644)
	settings := sdk.Settings{"path": filepath.Join(dir, "db", "x.db"), "seed": seed}
	for range 2 { // the second open finds the table and runs nothing
		c, err := New().Open(context.Background(), sdk.OpenRequest{Settings: settings})
		if err != nil {
			t.Fatal(err)
		}
		var r recorder
		if err := c.(*conn).Read(context.Background(), sdk.ReadRequest{Stream: "t"}, &r); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"1|a"}, r.rows); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		c.Close()
	}
	os.WriteFile(seed, []byte("CREATE TABLE u(id);\nNOT SQL;"), 0o644)
	settings["path"] = filepath.Join(dir, "y.db")
	if _, err := New().Open(context.Background(), sdk.OpenRequest{Settings: settings}); err == nil || !strings.Contains(err.Error(), "seed") {
		t.Errorf("a bad seed: %v", err)
	}
}
