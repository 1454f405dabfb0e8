package jsonl

import (
	"context"
	"errors"
	"math"
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

// recSink records everything a Read sends, converting batches to rows.
type recSink struct {
	rows    []map[string]any
	sizes   []int
	tombs   []string
	rejects []sdk.RejectedRow
}

func (s *recSink) Batch(rec arrow.RecordBatch) error {
	s.sizes = append(s.sizes, int(rec.NumRows()))
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

func openConn(t *testing.T, s sdk.Settings) *conn {
	t.Helper()
	if ps := New().(sdk.SettingsValidator).ValidateSettings(s); len(ps) > 0 {
		t.Fatalf("settings: %+v", ps)
	}
	c, err := New().Open(context.Background(), sdk.OpenRequest{Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*conn)
}

type col struct{ Name, Type string }

func columns(s *arrow.Schema) []col {
	var cs []col
	for _, f := range s.Fields() {
		cs = append(cs, col{f.Name, f.Type.String()})
	}
	return cs
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
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
			data: `{"id":"a","n":1,"f":1.5,"b":true,"t":"2024-01-02T03:04:05Z","s":"x","tags":["a","b"]}` + "\n" +
				`{"id":"b","n":-2,"f":2,"b":false,"t":"2024-01-02 03:04:05","s":"y","tags":[]}` + "\n",
			want: []col{{"id", "utf8"}, {"n", "int64"}, {"f", "float64"}, {"b", "bool"}, {"t", "timestamp[us, tz=UTC]"}, {"s", "utf8"}, {"tags", "list<item: utf8, nullable>"}},
		},
		{
			name: "members in order of first appearance, nulls do not decide",
			data: `{"id":1,"a":null}` + "\n" + `{"id":2,"b":"x","a":3}` + "\n" + `{"id":3,"c":null}` + "\n",
			want: []col{{"id", "int64"}, {"a", "int64"}, {"b", "utf8"}, {"c", "utf8"}},
		},
		{
			name: "mixed kinds are strings",
			data: `{"id":"a","x":1,"y":{"k":1},"z":[1,2],"w":"2024-01-02T03:04:05Z","v":1e3}` + "\n" +
				`{"id":"b","x":"one","y":{},"z":["a"],"w":"soon","v":2}` + "\n",
			want: []col{{"id", "utf8"}, {"x", "utf8"}, {"y", "utf8"}, {"z", "utf8"}, {"w", "utf8"}, {"v", "float64"}},
		},
		{
			name:     "cursor, id and overrides",
			data:     `{"id":1.5,"mod":"2024-01-02T03:04:05Z","n":"7","tags":"a;b"}` + "\n",
			settings: sdk.Settings{"cursor": "mod", "types": map[string]string{"n": "int", "tags": "[]string"}},
			want:     []col{{"id", "utf8"}, {"mod", "timestamp[us, tz=UTC]"}, {"n", "int64"}, {"tags", "list<item: utf8, nullable>"}},
		},
		{
			name: "bad lines do not decide",
			data: `{"id":"a","n":1}` + "\n" + `{"id":"b","n":"x"` + "\n" + "{\"id\":\"c\",\"n\":\"\xff\"}\n",
			want: []col{{"id", "utf8"}, {"n", "int64"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sdk.Settings{"path": writeFile(t, "people.jsonl", tt.data), "id": "id"}
			for k, v := range tt.settings {
				s[k] = v
			}
			d, err := openConn(t, s).Discover(context.Background(), sdk.DiscoverRequest{})
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
			name: "values",
			data: `{"id":"a","n":1,"f":1.5,"b":true,"t":"2024-01-02T03:04:05.5+01:00","s":"x\"\u00e9\ud83d\ude00\n","o":{"k":[1, 2]},"arr":[1,"x"],"tags":["p","q"]}` + "\n" +
				"\n   \n" +
				`{"tags":null,"id":"b","s":"","n":2,"f":2}` + "\r\n",
			rows: []map[string]any{
				{"id": "a", "n": int64(1), "f": 1.5, "b": true, "t": ts("2024-01-02T02:04:05.5Z"), "s": "x\"é😀\n", "o": `{"k":[1, 2]}`, "arr": `[1,"x"]`, "tags": []string{"p", "q"}},
				{"id": "b", "n": int64(2), "f": 2.0, "b": nil, "t": nil, "s": "", "o": nil, "arr": nil, "tags": nil},
			},
		},
		{
			name:     "overrides parse strings",
			data:     `{"id":1,"n":" 42 ","ok":"yes","tags":"a; b","when":""}` + "\n" + `{"id":2,"n":7.0,"ok":0,"tags":["c"],"when":"2024-01-01 00:00:00"}` + "\n" + `{"id":3,"tags":[1]}` + "\n" + `{"id":4,"when":5}` + "\n",
			settings: sdk.Settings{"types": map[string]string{"n": "int", "ok": "bool", "tags": "[]string", "when": "time"}},
			rows: []map[string]any{
				{"id": int64(1), "n": int64(42), "ok": true, "tags": []string{"a", "b"}, "when": nil},
				{"id": int64(2), "n": int64(7), "ok": false, "tags": []string{"c"}, "when": ts("2024-01-01T00:00:00Z")},
			},
			rejects: []sdk.RejectedRow{
				{ID: "3", Position: "line 3", Reason: `member "tags": [1] is not a list of strings`},
				{ID: "4", Position: "line 4", Reason: `member "when": 5 is not a time (RFC 3339 or 2006-01-02 15:04:05)`},
			},
		},
		{
			name:     "tombstones and since",
			data:     `{"id":"a","mod":"2024-01-01T00:00:00Z","gone":false}` + "\n" + `{"id":"b","mod":"2024-03-01T00:00:00Z","gone":true}` + "\n" + `{"id":"c","mod":"2024-03-01T00:00:00Z","gone":"YES"}` + "\n" + `{"id":"d","mod":"2024-01-01T00:00:00Z","gone":1}` + "\n" + `{"id":"e","gone":null}` + "\n" + `{"id":"f","mod":"2024-02-02T00:00:00Z"}` + "\n",
			settings: sdk.Settings{"cursor": "mod", "deleted": "gone", "types": map[string]string{"gone": "string"}},
			req:      sdk.ReadRequest{Since: ts("2024-02-01T00:00:00Z")},
			rows: []map[string]any{
				{"id": "e", "mod": nil, "gone": nil},
				{"id": "f", "mod": ts("2024-02-02T00:00:00Z"), "gone": nil},
			},
			tombs: []string{"b", "c"},
		},
		{
			name:     "rejects",
			data:     `{"id":"a","n":1}` + "\n" + "{\"id\":\"b\",\"n\":\"\xff\"}\n" + `{"id":"c","n":1` + "\n" + `["id"]` + "\n" + `{"id":"d","n":1,"id":"d2"}` + "\n" + `{"n":1}` + "\n" + `{"id":"","n":1}` + "\n" + `{"id":"e","n":"x"}` + "\n" + `{"id":"f","n":1.5}` + "\n" + `{"id":"g","n":1} x` + "\n" + `{"id":"h","n":01}` + "\n" + `{"id":"i","n":"\ud800"}` + "\n" + `{"id":"j","n":2}`,
			settings: sdk.Settings{"types": map[string]string{"n": "int"}},
			rows:     []map[string]any{{"id": "a", "n": int64(1)}, {"id": "j", "n": int64(2)}},
			rejects: []sdk.RejectedRow{
				{Position: "line 2", Reason: "invalid UTF-8"},
				{Position: "line 3", Reason: "invalid JSON at column 16: expected , or } after member value"},
				{Position: "line 4", Reason: "invalid JSON at column 1: the line is not a JSON object"},
				{Position: "line 5", Reason: `member "id" appears twice`},
				{Position: "line 6", Reason: `the id member "id" is missing, empty or not a string or number`},
				{Position: "line 7", Reason: `the id member "id" is missing, empty or not a string or number`},
				{ID: "e", Position: "line 8", Reason: `member "n": "x" is not an integer`},
				{ID: "f", Position: "line 9", Reason: `member "n": 1.5 is not an integer`},
				{Position: "line 10", Reason: "invalid JSON at column 18: text after the object"},
				{Position: "line 11", Reason: `invalid JSON at column 15: invalid number "01"`},
				{Position: "line 12", Reason: `invalid JSON at column 16: \u escape of an unpaired surrogate`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sdk.Settings{"path": writeFile(t, "data.jsonl", tt.data), "id": "id"}
			for k, v := range tt.settings {
				s[k] = v
			}
			var got recSink
			if err := openConn(t, s).Read(context.Background(), tt.req, &got); err != nil {
				t.Fatal(err)
			}
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
	for i := range 10 {
		b.WriteString(`{"id":` + string(rune('0'+i)) + "}\n")
	}
	c := openConn(t, sdk.Settings{"path": writeFile(t, "b.jsonl", b.String()), "id": "id"})
	for _, tt := range []struct {
		name  string
		rows  int
		sizes []int
	}{{"default", 0, []int{10}}, {"four", 4, []int{4, 4, 2}}, {"exact", 5, []int{5, 5}}} {
		t.Run(tt.name, func(t *testing.T) {
			var got recSink
			if err := c.Read(context.Background(), sdk.ReadRequest{BatchRows: tt.rows}, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.sizes, got.sizes); diff != "" {
				t.Errorf("batch sizes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSourceErrors(t *testing.T) {
	ctx := context.Background()
	c := openConn(t, sdk.Settings{"path": writeFile(t, "x.jsonl", `{"a":1}`+"\n")})
	if _, err := c.Discover(ctx, sdk.DiscoverRequest{}); err == nil || !strings.Contains(err.Error(), "id setting is required") {
		t.Errorf("Discover without id: %v", err)
	}
	c = openConn(t, sdk.Settings{"path": writeFile(t, "x.jsonl", `{"a":1}`+"\n"), "id": "id"})
	if _, err := c.Discover(ctx, sdk.DiscoverRequest{}); err == nil || !strings.Contains(err.Error(), `no line has the id member "id"`) {
		t.Errorf("Discover without id member: %v", err)
	}
	if err := c.Read(ctx, sdk.ReadRequest{Stream: "nope"}, &recSink{}); err == nil {
		t.Error("Read of an unknown stream: no error")
	}
	c = openConn(t, sdk.Settings{"path": filepath.Join(t.TempDir(), "none.jsonl"), "id": "id"})
	if _, err := c.Discover(ctx, sdk.DiscoverRequest{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// batch builds a record batch from columns of Go values.
func batch(t *testing.T, fields []arrow.Field, cols ...any) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for i, c := range cols {
		switch v := c.(type) {
		case []*string:
			for _, s := range v {
				if s == nil {
					b.Field(i).AppendNull()
				} else {
					b.Field(i).(*array.StringBuilder).Append(*s)
				}
			}
		case []string:
			b.Field(i).(*array.StringBuilder).AppendValues(v, nil)
		case []int64:
			b.Field(i).(*array.Int64Builder).AppendValues(v, nil)
		case []float64:
			b.Field(i).(*array.Float64Builder).AppendValues(v, nil)
		case []bool:
			b.Field(i).(*array.BooleanBuilder).AppendValues(v, nil)
		case []arrow.Timestamp:
			b.Field(i).(*array.TimestampBuilder).AppendValues(v, nil)
		case [][]string:
			lb := b.Field(i).(*array.ListBuilder)
			for _, items := range v {
				if items == nil {
					lb.AppendNull()
					continue
				}
				lb.Append(true)
				lb.ValueBuilder().(*array.StringBuilder).AppendValues(items, nil)
			}
		default:
			t.Fatalf("column %d: unsupported %T", i, c)
		}
	}
	return b.NewRecordBatch()
}

func ptr(s string) *string { return &s }

var usUTC = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out", "members.jsonl")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("old content\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := openConn(t, sdk.Settings{"path": path})
	ctx := context.Background()

	// Nothing happens to the file before the first write.
	if b, _ := os.ReadFile(path); string(b) != "old content\n" {
		t.Fatalf("file changed before the first write: %q", b)
	}
	fields := []arrow.Field{
		{Name: "Email", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Age", Type: arrow.PrimitiveTypes.Int64},
		{Name: "Score", Type: arrow.PrimitiveTypes.Float64},
		{Name: "Vip", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "Seen", Type: usUTC},
		{Name: "Tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	}
	t0 := arrow.Timestamp(ts("2024-01-02T03:04:05Z").UnixMicro())
	t1 := arrow.Timestamp(ts("2024-01-02T03:04:05.25Z").UnixMicro())
	rec := batch(t, fields,
		[]*string{ptr("a@x.com"), ptr(""), nil, ptr("d@x.com"), ptr("e@x.com")},
		[]*string{ptr(`Jo "Bob" Smith`), ptr("B"), ptr("C"), nil, ptr("\u2028\x01")},
		[]int64{30, 1, 2, -4, 5},
		[]float64{1.5, 0, 0, math.NaN(), 1e21},
		[]bool{true, false, false, false, true},
		[]arrow.Timestamp{t0, t0, t0, t0, t1},
		[][]string{{"a", "b"}, {}, nil, nil, {}},
	)
	defer rec.Release()
	resp, err := c.Write(ctx, sdk.WriteRequest{List: "any", Key: "Email", Op: sdk.OpUpsert}, rec)
	if err != nil {
		t.Fatal(err)
	}
	wantFailed := []sdk.RecordError{
		{Row: 1, Reason: `the key "Email" is empty`},
		{Row: 2, Reason: `the key "Email" is empty`},
		{Row: 3, Reason: `field "Score": NaN or an infinity cannot be written as JSON`},
	}
	if diff := cmp.Diff(wantFailed, resp.Failed); diff != "" {
		t.Errorf("failed (-want +got):\n%s", diff)
	}
	want := `{"Email":"a@x.com","Name":"Jo \"Bob\" Smith","Age":30,"Score":1.5,"Vip":true,"Seen":"2024-01-02T03:04:05Z","Tags":["a","b"]}` + "\n" +
		`{"Email":"e@x.com","Name":"` + "\u2028" + `\u0001","Age":5,"Score":1e+21,"Vip":true,"Seen":"2024-01-02T03:04:05.25Z","Tags":[]}` + "\n"
	if b, _ := os.ReadFile(path); string(b) != want {
		t.Errorf("file:\n%s\nwant:\n%s", b, want)
	}

	// A second write of the same run appends.
	rec2 := batch(t, fields[:1], []string{"f@x.com"})
	defer rec2.Release()
	if _, err := c.Write(ctx, sdk.WriteRequest{Key: "Email", Op: sdk.OpUpsert}, rec2); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != want+`{"Email":"f@x.com"}`+"\n" {
		t.Errorf("file after the second write:\n%s", b)
	}

	// The next run's connection starts the file again.
	c2 := openConn(t, sdk.Settings{"path": path})
	if _, err := c2.Write(ctx, sdk.WriteRequest{Key: "Email", Op: sdk.OpUpsert}, rec2); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != `{"Email":"f@x.com"}`+"\n" {
		t.Errorf("file of the next run:\n%s", b)
	}
}

func TestWriteRefused(t *testing.T) {
	c := openConn(t, sdk.Settings{"path": filepath.Join(t.TempDir(), "a", "b", "x.jsonl")})
	ctx := context.Background()
	rec := batch(t, []arrow.Field{{Name: "k", Type: arrow.BinaryTypes.String}}, []string{"a"})
	defer rec.Release()
	for _, op := range []sdk.Op{sdk.OpRemove, sdk.OpDelete} {
		if _, err := c.Write(ctx, sdk.WriteRequest{Key: "k", Op: op}, rec); !errors.Is(err, ErrOnlyUpsert) {
			t.Errorf("%s: %v", op, err)
		}
	}
	if _, err := c.Write(ctx, sdk.WriteRequest{Key: "nope", Op: sdk.OpUpsert}, rec); err == nil {
		t.Error("missing key column: no error")
	}
	recInt := batch(t, []arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}}, []int64{1})
	defer recInt.Release()
	if _, err := c.Write(ctx, sdk.WriteRequest{Key: "k", Op: sdk.OpUpsert}, recInt); err == nil {
		t.Error("integer key column: no error")
	}
	// The directories are made at the first write.
	if _, err := c.Write(ctx, sdk.WriteRequest{Key: "k", Op: sdk.OpUpsert}, rec); err != nil {
		t.Fatal(err)
	}
}

func TestSinkInfo(t *testing.T) {
	info := New().Info()
	if !info.Offers(sdk.KindSource) || !info.Offers(sdk.KindSink) || info.Sink == nil {
		t.Fatalf("info: %+v", info)
	}
	want := &sdk.SinkInfo{KeyKind: sdk.KeyString, OpenFields: true}
	if diff := cmp.Diff(want, info.Sink); diff != "" {
		t.Errorf("info.Sink (-want +got):\n%s", diff)
	}
	c := openConn(t, sdk.Settings{"path": filepath.Join(t.TempDir(), "x.jsonl")})
	got, err := c.Describe(context.Background(), sdk.DescribeRequest{List: "l"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Describe (-want +got):\n%s", diff)
	}
	sup, err := c.Suppressions(context.Background(), sdk.SuppressionsRequest{List: "l"})
	if err != nil || len(sup) != 0 {
		t.Errorf("Suppressions: %v, %v", sup, err)
	}
}

// What the sink writes, the source reads back.
func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rt.jsonl")
	c := openConn(t, sdk.Settings{"path": path, "id": "Email"})
	fields := []arrow.Field{
		{Name: "Email", Type: arrow.BinaryTypes.String},
		{Name: "Age", Type: arrow.PrimitiveTypes.Int64},
		{Name: "Seen", Type: usUTC},
		{Name: "Tags", Type: arrow.ListOf(arrow.BinaryTypes.String)},
		{Name: "Note", Type: arrow.BinaryTypes.String},
	}
	rec := batch(t, fields, []string{"a@x.com", "b@x.com"}, []int64{1, 2},
		[]arrow.Timestamp{arrow.Timestamp(ts("2024-05-06T07:08:09.123456Z").UnixMicro()), 0},
		[][]string{{"x"}, {"y", "z"}}, []string{"tab\there \"q\" ü", "\\"})
	defer rec.Release()
	ctx := context.Background()
	if _, err := c.Write(ctx, sdk.WriteRequest{Key: "Email", Op: sdk.OpUpsert}, rec); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	var got recSink
	if err := c.Read(ctx, sdk.ReadRequest{}, &got); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"Email": "a@x.com", "Age": int64(1), "Seen": ts("2024-05-06T07:08:09.123456Z"), "Tags": []string{"x"}, "Note": "tab\there \"q\" ü"},
		{"Email": "b@x.com", "Age": int64(2), "Seen": ts("1970-01-01T00:00:00Z"), "Tags": []string{"y", "z"}, "Note": "\\"},
	}
	if diff := cmp.Diff(want, got.rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func sdkSettings(path string) sdk.OpenRequest {
	return sdk.OpenRequest{Settings: sdk.Settings{"path": path}}
}

func writeReq(key string) sdk.WriteRequest {
	return sdk.WriteRequest{List: "l", Key: key, Op: sdk.OpUpsert}
}
