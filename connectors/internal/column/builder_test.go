package column

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/go-cmp/cmp"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// sink renders each batch's rows as strings.
type sink struct {
	batches [][]string
	tombs   []string
}

func (s *sink) Batch(rec arrow.RecordBatch) error {
	var rows []string
	for i := 0; i < int(rec.NumRows()); i++ {
		var cells []string
		for _, col := range rec.Columns() {
			if col.IsNull(i) {
				cells = append(cells, "null")
				continue
			}
			cells = append(cells, col.ValueStr(i))
		}
		rows = append(rows, strings.Join(cells, "|"))
	}
	s.batches = append(s.batches, rows)
	return nil
}

func (s *sink) Tombstones(ids []string) error { s.tombs = append(s.tombs, ids...); return nil }
func (s *sink) Reject(sdk.RejectedRow) error  { return nil }

func TestBuilder(t *testing.T) {
	types := []Type{String, Int, Float, Bool, Time, List}
	fields := make([]arrow.Field, len(types))
	for i, typ := range types {
		fields[i] = arrow.Field{Name: typ.String(), Type: typ.Arrow(), Nullable: true}
	}
	var out sink
	b := NewBuilder(arrow.NewSchema(fields, nil), types, 3, &out)
	defer b.Release()
	rows := []struct {
		null bool
		text string
	}{{true, ""}, {false, "2024-01-02T03:04:05Z"}, {true, ""}, {false, "1"}, {false, ""}}
	for _, r := range rows {
		for i := range b.Cols {
			c := &b.Cols[i]
			if r.null {
				c.Null = true
				continue
			}
			var v string
			switch c.Type {
			case Int, Float, Bool:
				v = "1"
			case Time, String:
				v = r.text
				if c.Type == Time && v == "1" {
					v = ""
				}
			case List:
				v = "a; b"
			}
			if !c.Parse([]byte(v)) {
				t.Fatalf("%s: Parse(%q) failed", c.Type, v)
			}
		}
		text := make([][]byte, len(types))
		text[0] = []byte(r.text)
		if err := b.Append(text); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Tombstone([]byte("gone")); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{
			"null|null|null|null|null|null",
			`2024-01-02T03:04:05Z|1|1|true|2024-01-02T03:04:05Z|["a","b"]`,
			"null|null|null|null|null|null",
		},
		{
			`1|1|1|true|null|["a","b"]`,
			`|1|1|true|null|["a","b"]`,
		},
	}
	if diff := cmp.Diff(want, out.batches); diff != "" {
		t.Errorf("batches (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"gone"}, out.tombs); diff != "" {
		t.Errorf("tombstones (-want +got):\n%s", diff)
	}
}

func TestStringColumnNulls(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	var got []*array.String
	out := &funcSink{batch: func(rec arrow.RecordBatch) {
		rec.Retain() // kept after Batch returns
		t.Cleanup(rec.Release)
		got = append(got, rec.Column(0).(*array.String))
	}}
	b := NewBuilder(schema, []Type{String}, 100, out)
	defer b.Release()
	for i, v := range []string{"a", "", "b", "", "c"} {
		b.Cols[0].Null = i == 3
		if err := b.Append([][]byte{[]byte(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	a := got[0]
	if a.Len() != 5 || a.NullN() != 1 || !a.IsNull(3) || a.IsNull(1) || a.Value(2) != "b" || a.Value(1) != "" {
		t.Errorf("array %v, %d nulls", a, a.NullN())
	}
}

type funcSink struct{ batch func(arrow.RecordBatch) }

func (s *funcSink) Batch(rec arrow.RecordBatch) error { s.batch(rec); return nil }
func (s *funcSink) Tombstones([]string) error         { return nil }
func (s *funcSink) Reject(sdk.RejectedRow) error      { return nil }
