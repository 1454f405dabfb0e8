package csv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/go-cmp/cmp"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// recSink records everything a Read sends, converting batches to rows.
type recSink struct {
	rows    []map[string]any
	sizes   []int
	tombs   []string
	rejects []sdk.RejectedRow
	schemas []*arrow.Schema
}

func (s *recSink) Batch(rec arrow.RecordBatch) error {
	s.sizes = append(s.sizes, int(rec.NumRows()))
	s.schemas = append(s.schemas, rec.Schema())
	for i := 0; i < int(rec.NumRows()); i++ {
		row := map[string]any{}
		for j, col := range rec.Columns() {
			row[rec.ColumnName(j)] = value(col, i)
		}
		s.rows = append(s.rows, row)
	}
	return nil
}

func (s *recSink) Tombstones(ids []string) error { s.tombs = append(s.tombs, ids...); return nil }
func (s *recSink) Reject(r sdk.RejectedRow) error {
	s.rejects = append(s.rejects, r)
	return nil
}

// value returns a Go value for row i of col: nil for null. Strings are
// copied: the batch's memory is not ours after Batch returns.
func value(col arrow.Array, i int) any {
	if col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.String:
		return strings.Clone(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(i))).UTC()
	case *array.List:
		start, end := a.ValueOffsets(i)
		items := []string{}
		for k := start; k < end; k++ {
			items = append(items, strings.Clone(a.ListValues().(*array.String).Value(int(k))))
		}
		return items
	}
	panic("unexpected array type " + col.DataType().String())
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func open(t *testing.T, s sdk.Settings) sdk.Source {
	t.Helper()
	if _, ok := s["delimiter"]; !ok {
		s["delimiter"] = ","
	}
	if ps := New().(sdk.SettingsValidator).ValidateSettings(s); len(ps) > 0 {
		t.Fatalf("settings: %+v", ps)
	}
	c, err := New().Open(context.Background(), sdk.OpenRequest{Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(sdk.Source)
}

func read(t *testing.T, src sdk.Source, req sdk.ReadRequest) *recSink {
	t.Helper()
	var s recSink
	if err := src.Read(context.Background(), req, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

type col struct{ Name, Type string }

func columns(s *arrow.Schema) []col {
	var cs []col
	for _, f := range s.Fields() {
		cs = append(cs, col{f.Name, f.Type.String()})
	}
	return cs
}

func TestInference(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		settings sdk.Settings
		want     []col
	}{
		{
			name: "scalar types",
			data: "id,n,f,b,t,s\n1,-3,1.5,true,2024-01-02T03:04:05Z,x\n2,4,2,FALSE,2024-01-02 03:04:05,y\n",
			want: []col{{"id", "int64"}, {"n", "int64"}, {"f", "float64"}, {"b", "bool"}, {"t", "timestamp[us, tz=UTC]"}, {"s", "utf8"}},
		},
		{
			name: "empty values do not decide",
			data: "id,n,b,e\na,,,\nb,7,true,\n",
			want: []col{{"id", "utf8"}, {"n", "int64"}, {"b", "bool"}, {"e", "utf8"}},
		},
		{
			name: "codes stay strings",
			data: "id,zip,plus,sp,nan,hex\na,01234,+81,\" 5\",NaN,0x10\nb,2,3,4,5,6\n",
			want: []col{{"id", "utf8"}, {"zip", "utf8"}, {"plus", "utf8"}, {"sp", "utf8"}, {"nan", "utf8"}, {"hex", "utf8"}},
		},
		{
			name: "mixed int and float is float, mixed int and word is string",
			data: "id,x,y\na,1,1\nb,2.5,two\n",
			want: []col{{"id", "utf8"}, {"x", "float64"}, {"y", "utf8"}},
		},
		{
			name: "0 and 1 are ints, not bools",
			data: "id,flag\na,0\nb,1\n",
			want: []col{{"id", "utf8"}, {"flag", "int64"}},
		},
		{
			name:     "cursor is a time, id of floats is a string",
			data:     "id,mod\n1.5,2024-01-01T00:00:00+09:00\n2.5,\n",
			settings: sdk.Settings{"cursor": "mod"},
			want:     []col{{"id", "utf8"}, {"mod", "timestamp[us, tz=UTC]"}},
		},
		{
			name:     "overrides",
			data:     "id,zip,tags,n\n1,123,a;b,5\n",
			settings: sdk.Settings{"types": map[string]string{"zip": "string", "tags": "[]string", "n": "float"}},
			want:     []col{{"id", "int64"}, {"zip", "utf8"}, {"tags", "list<item: utf8, nullable>"}, {"n", "float64"}},
		},
		{
			name: "rows that will be rejected do not decide",
			data: "id,n\na,1\nb,2,3\nc,\"x\"y\nd,\xff\ne,4\n",
			want: []col{{"id", "utf8"}, {"n", "int64"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sdk.Settings{"path": writeFile(t, "people.csv", tt.data), "id": "id"}
			for k, v := range tt.settings {
				s[k] = v
			}
			d, err := open(t, s).Discover(context.Background(), sdk.DiscoverRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Streams) != 1 || d.Streams[0].Name != "people" {
				t.Fatalf("streams: %+v", d.Streams)
			}
			if diff := cmp.Diff(tt.want, columns(d.Streams[0].Schema)); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
		})
	}
}

// The reference benchmark's columns infer sensibly.
func TestInferenceCandidates(t *testing.T) {
	path := writeCandidates(t, t.TempDir(), 2000)
	d, err := open(t, sdk.Settings{"path": path, "id": "id", "cursor": "modified_at"}).Discover(context.Background(), sdk.DiscoverRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := []col{{"id", "utf8"}, {"first_name", "utf8"}, {"last_name", "utf8"}, {"email", "utf8"},
		{"phone", "utf8"}, {"city", "utf8"}, {"country", "utf8"}, {"status", "utf8"},
		{"experience_years", "int64"}, {"skills", "utf8"}, {"modified_at", "timestamp[us, tz=UTC]"}, {"unsubscribed", "bool"}}
	st := d.Streams[0]
	if diff := cmp.Diff(want, columns(st.Schema)); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	if st.Name != "candidates" || st.IDField != "id" || st.CursorField != "modified_at" || st.Tombstones {
		t.Errorf("stream: %+v", st)
	}
	if st.Schema.Field(0).Nullable || !st.Schema.Field(1).Nullable {
		t.Errorf("only the id column should be non-nullable")
	}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestRead(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		settings sdk.Settings
		req      sdk.ReadRequest
		rows     []map[string]any
		tombs    []string
		rejects  []sdk.RejectedRow
	}{
		{
			name: "values and empties",
			data: "id,n,f,b,t,s\n1,-3,1.5,true,2024-01-02T03:04:05.123456789+02:00,x\n2,,,,,\n",
			rows: []map[string]any{
				{"id": int64(1), "n": int64(-3), "f": 1.5, "b": true, "t": ts("2024-01-02T01:04:05.123456Z"), "s": "x"},
				{"id": int64(2), "n": nil, "f": nil, "b": nil, "t": nil, "s": ""},
			},
		},
		{
			name: "quoting",
			data: "id,s\r\na,\"x, \"\"y\"\"\"\r\nb,\"two\r\nlines\"\r\n\r\nc,\"\"\r\n",
			rows: []map[string]any{{"id": "a", "s": `x, "y"`}, {"id": "b", "s": "two\nlines"}, {"id": "c", "s": ""}},
		},
		{
			name:     "delimiter and BOM",
			data:     "\ufeffid;name\n1;a,b\n",
			settings: sdk.Settings{"delimiter": ";"},
			rows:     []map[string]any{{"id": int64(1), "name": "a,b"}},
		},
		{
			name:     "tab delimiter",
			data:     "id\tname\n1\ta b\n",
			settings: sdk.Settings{"delimiter": "\t"},
			rows:     []map[string]any{{"id": int64(1), "name": "a b"}},
		},
		{
			name:     "overrides parse leniently",
			data:     "id,zip,tags,n,ok\n1,01234, a ; b ;;c ,+5, yes\n2,,,,0\n",
			settings: sdk.Settings{"types": map[string]string{"tags": "[]string", "n": "int", "ok": "bool"}},
			rows: []map[string]any{
				{"id": int64(1), "zip": "01234", "tags": []string{"a", "b", "c"}, "n": int64(5), "ok": true},
				{"id": int64(2), "zip": "", "tags": nil, "n": nil, "ok": false},
			},
		},
		{
			name:     "tombstones",
			data:     "id,name,gone\na,A,false\nb,B,true\nc,C,YES\nd,D,1\ne,E,\nf,F,no\n",
			settings: sdk.Settings{"deleted": "gone"},
			rows: []map[string]any{
				{"id": "a", "name": "A", "gone": "false"}, {"id": "e", "name": "E", "gone": ""}, {"id": "f", "name": "F", "gone": "no"},
			},
			tombs: []string{"b", "c", "d"},
		},
		{
			name:     "since",
			data:     "id,mod,del\na,2024-01-01T00:00:00Z,\nb,2024-02-01 00:00:00,\nc,,\nd,2024-01-31T23:59:59.999999Z,\ne,2024-03-01T09:00:00+09:00,\nf,2024-01-01T00:00:00Z,yes\ng,2024-03-01T00:00:00Z,yes\n",
			settings: sdk.Settings{"cursor": "mod", "deleted": "del"},
			req:      sdk.ReadRequest{Since: ts("2024-02-01T00:00:00Z")},
			rows: []map[string]any{
				{"id": "b", "mod": ts("2024-02-01T00:00:00Z"), "del": ""},
				{"id": "c", "mod": nil, "del": ""},
				{"id": "e", "mod": ts("2024-03-01T00:00:00Z"), "del": ""},
			},
			tombs: []string{"g"},
		},
		{
			name:     "rejects",
			data:     "id,n,s\n1,2,ok\n2,3\n3,4,\xffbad\n4,x,ok\n\n5,\"a\"b,ok\n6,7,\"multi\nline\"\n7,8,bare\"quote\n,9,no id\n8,9,\"unterminated\n9,10,last\n",
			settings: sdk.Settings{"types": map[string]string{"n": "int"}},
			rows: []map[string]any{
				{"id": int64(1), "n": int64(2), "s": "ok"},
				{"id": int64(6), "n": int64(7), "s": "multi\nline"},
				{"id": int64(9), "n": int64(10), "s": "last"},
			},
			rejects: []sdk.RejectedRow{
				{Position: "line 3", Reason: "2 fields, but the header has 3"},
				{Position: "line 4", Reason: `field "s": invalid UTF-8`},
				{ID: "4", Position: "line 5", Reason: `field "n": "x" is not an integer`},
				{Position: "line 7", Reason: `extraneous or missing " in quoted field`},
				{Position: "line 10", Reason: `bare " in non-quoted field`},
				{Position: "line 11", Reason: `the id column "id" is empty`},
				{Position: "line 12", Reason: `unterminated quoted field`},
			},
		},
		{
			name:     "bad time in the cursor",
			data:     "id,mod\na,yesterday\nb,2024-02-30T00:00:00Z\nc,2024-01-01T25:00:00Z\n",
			settings: sdk.Settings{"cursor": "mod"},
			rejects: []sdk.RejectedRow{
				{ID: "a", Position: "line 2", Reason: `field "mod": "yesterday" is not a time (RFC 3339 or 2006-01-02 15:04:05)`},
				{ID: "b", Position: "line 3", Reason: `field "mod": "2024-02-30T00:00:00Z" is not a time (RFC 3339 or 2006-01-02 15:04:05)`},
				{ID: "c", Position: "line 4", Reason: `field "mod": "2024-01-01T25:00:00Z" is not a time (RFC 3339 or 2006-01-02 15:04:05)`},
			},
		},
		{
			name: "no final newline",
			data: "id,s\na,x\nb,\"y\"",
			rows: []map[string]any{{"id": "a", "s": "x"}, {"id": "b", "s": "y"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sdk.Settings{"path": writeFile(t, "data.csv", tt.data), "id": "id"}
			for k, v := range tt.settings {
				s[k] = v
			}
			got := read(t, open(t, s), tt.req)
			if diff := cmp.Diff(tt.rows, got.rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.tombs, got.tombs); diff != "" {
				t.Errorf("tombstones (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.rejects, got.rejects); diff != "" {
				t.Errorf("rejects (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBatching(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,del\n")
	for i := range 10 {
		b.WriteString(string(rune('a'+i)) + ",")
		if i%4 == 3 {
			b.WriteString("true")
		}
		b.WriteString("\n")
	}
	src := open(t, sdk.Settings{"path": writeFile(t, "b.csv", b.String()), "id": "id", "deleted": "del"})
	tests := []struct {
		name  string
		rows  int
		sizes []int
	}{
		{"default", 0, []int{8}},
		{"three", 3, []int{3, 3, 2}},
		{"one", 1, []int{1, 1, 1, 1, 1, 1, 1, 1}},
		{"exact", 8, []int{8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := read(t, src, sdk.ReadRequest{BatchRows: tt.rows})
			if diff := cmp.Diff(tt.sizes, got.sizes); diff != "" {
				t.Errorf("batch sizes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"d", "h"}, got.tombs); diff != "" {
				t.Errorf("tombstones (-want +got):\n%s", diff)
			}
		})
	}
}

// Reading many batches, and many read buffers, keeps every value.
func TestReadLarge(t *testing.T) {
	const n = 20_000
	path := writeCandidates(t, t.TempDir(), n)
	src := open(t, sdk.Settings{"path": path, "id": "id", "cursor": "modified_at"})
	got := read(t, src, sdk.ReadRequest{BatchRows: 1500})
	if len(got.rows) != n || len(got.rejects) != 0 || len(got.sizes) != (n+1499)/1500 {
		t.Fatalf("read %d rows in %d batches, %d rejects", len(got.rows), len(got.sizes), len(got.rejects))
	}
	for i, row := range got.rows {
		if want := fmt.Sprintf("cand-%08d", i+1); row["id"] != want {
			t.Fatalf("row %d: id %v, want %s", i, row["id"], want)
		}
	}
}

func TestStreams(t *testing.T) {
	src := open(t, sdk.Settings{"path": writeFile(t, "people.v2.csv", "id\n1\n"), "id": "id"})
	ctx := context.Background()
	for _, name := range []string{"", "records", "people.v2"} {
		if _, err := src.Discover(ctx, sdk.DiscoverRequest{Stream: name}); err != nil {
			t.Errorf("Discover(%q): %v", name, err)
		}
		if err := src.Read(ctx, sdk.ReadRequest{Stream: name}, &recSink{}); err != nil {
			t.Errorf("Read(%q): %v", name, err)
		}
	}
	if err := src.Read(ctx, sdk.ReadRequest{Stream: "other"}, &recSink{}); err == nil {
		t.Error("Read of an unknown stream: no error")
	}
	if err := src.Read(ctx, sdk.ReadRequest{View: "v"}, &recSink{}); err == nil {
		t.Error("Read of a view: no error")
	}
}

func TestDiscoverErrors(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		settings sdk.Settings
		want     string
	}{
		{"empty file", "", nil, "the file is empty"},
		{"missing id column", "a,b\n1,2\n", nil, `the id column "id" is not in the header`},
		{"missing cursor column", "id,b\n1,2\n", sdk.Settings{"cursor": "mod"}, `the cursor column "mod" is not in the header`},
		{"unknown types column", "id,b\n1,2\n", sdk.Settings{"types": map[string]string{"c": "int"}}, `names column "c"`},
		{"duplicate header", "id,a,a\n1,2,3\n", nil, `names column "a" twice`},
		{"empty header name", "id,,b\n1,2,3\n", nil, "column 2 has no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sdk.Settings{"path": writeFile(t, "x.csv", tt.data), "id": "id"}
			for k, v := range tt.settings {
				s[k] = v
			}
			_, err := open(t, s).Discover(context.Background(), sdk.DiscoverRequest{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	_, err := open(t, sdk.Settings{"path": filepath.Join(t.TempDir(), "none.csv"), "id": "id"}).Discover(context.Background(), sdk.DiscoverRequest{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestFileChanged(t *testing.T) {
	path := writeFile(t, "x.csv", "id,a\n1,2\n")
	src := open(t, sdk.Settings{"path": path, "id": "id"})
	ctx := context.Background()
	if _, err := src.Discover(ctx, sdk.DiscoverRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("id,b\n1,x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	// Read keeps to the schema it was discovered with.
	err := src.Read(ctx, sdk.ReadRequest{}, &recSink{})
	if err == nil || !strings.Contains(err.Error(), "header changed") {
		t.Errorf("Read after a change: %v", err)
	}
	// The next Discover (the next run) follows the file.
	d, err := src.Discover(ctx, sdk.DiscoverRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]col{{"id", "int64"}, {"b", "utf8"}}, columns(d.Streams[0].Schema)); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	got := read(t, src, sdk.ReadRequest{})
	if diff := cmp.Diff([]map[string]any{{"id": int64(1), "b": "x"}}, got.rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestValidateSettings(t *testing.T) {
	tests := []struct {
		name     string
		settings sdk.Settings
		want     []string // summaries
	}{
		{"fine", sdk.Settings{"delimiter": ";", "types": map[string]string{"a": "[]string"}}, nil},
		{"long delimiter", sdk.Settings{"delimiter": ";;"}, []string{"Invalid delimiter"}},
		{"quote delimiter", sdk.Settings{"delimiter": `"`}, []string{"Invalid delimiter"}},
		{"unknown type", sdk.Settings{"types": map[string]string{"a": "integer"}}, []string{"Unknown column type"}},
		{"cursor not time", sdk.Settings{"cursor": "m", "types": map[string]string{"m": "string"}}, []string{"Cursor column is not a time"}},
		{"id float", sdk.Settings{"id": "i", "types": map[string]string{"i": "float"}}, []string{"Invalid id column type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range New().(sdk.SettingsValidator).ValidateSettings(tt.settings) {
				got = append(got, p.Summary)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInfo(t *testing.T) {
	info := New().Info()
	if info.Name != "csv" || !info.Offers(sdk.KindSource) || info.Offers(sdk.KindSink) {
		t.Errorf("info: %+v", info)
	}
	for _, name := range []string{"path", "id", "cursor", "deleted", "types", "delimiter"} {
		s, ok := info.Setting(name)
		if !ok || s.Doc == "" {
			t.Errorf("setting %q: %+v", name, s)
		}
	}
}

// failSink fails at its first batch or reject.
type failSink struct{ recSink }

var errStop = errors.New("stop")

func (*failSink) Batch(arrow.RecordBatch) error { return errStop }
func (*failSink) Reject(sdk.RejectedRow) error  { return errStop }

// An error of the sink stops the read and is returned as is.
func TestSinkError(t *testing.T) {
	path := writeCandidates(t, t.TempDir(), 30_000)
	src := open(t, sdk.Settings{"path": path, "id": "id"})
	if err := src.Read(context.Background(), sdk.ReadRequest{BatchRows: 100}, &failSink{}); err != errStop {
		t.Errorf("batch error: %v", err)
	}
	bad := writeFile(t, "bad.csv", "id,a\n1\n2,3\n")
	src = open(t, sdk.Settings{"path": bad, "id": "id"})
	if err := src.Read(context.Background(), sdk.ReadRequest{}, &failSink{}); err != errStop {
		t.Errorf("reject error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := open(t, sdk.Settings{"path": path, "id": "id"}).Read(ctx, sdk.ReadRequest{}, &recSink{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
