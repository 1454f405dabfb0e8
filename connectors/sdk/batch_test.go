package sdk

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

type collect struct {
	rows  []string
	sizes []int64
	err   error
}

func (c *collect) Batch(rec arrow.RecordBatch) error {
	c.sizes = append(c.sizes, rec.NumRows())
	for i := 0; i < int(rec.NumRows()); i++ {
		var cols []string
		for j := 0; j < int(rec.NumCols()); j++ {
			cols = append(cols, rec.Column(j).ValueStr(i))
		}
		c.rows = append(c.rows, strings.Join(cols, " "))
	}
	return c.err
}
func (c *collect) Tombstones(ids []string) error { return nil }
func (c *collect) Reject(r RejectedRow) error    { return nil }

type rec struct {
	ID    string    `sluice:"id"`
	N     int32     `sluice:"n"`
	Score float64   `sluice:"score,nullable"`
	OK    *bool     `sluice:"ok"`
	At    time.Time `sluice:"at"`
	Tags  []string  `sluice:"tags"`
	Skip  string    `sluice:"-"`
	small int
}

func TestSchemaOf(t *testing.T) {
	s, err := SchemaOf(&rec{})
	if err != nil {
		t.Fatal(err)
	}
	want := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "at", Type: TimestampType},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	}, nil)
	if !s.Equal(want) {
		t.Errorf("got %s\nwant %s", s, want)
	}
	for _, bad := range []any{3, struct{ M map[string]string }{}, struct {
		A string `sluice:"x"`
		B string `sluice:"x"`
	}{}, nil, struct{ U uint64 }{}} {
		if _, err := SchemaOf(bad); err == nil {
			t.Errorf("SchemaOf(%T) did not fail", bad)
		}
	}
}

func TestBatchWriter(t *testing.T) {
	s, _ := SchemaOf(rec{})
	var out collect
	w, err := NewBatchWriter(s, 2, &out)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Release()
	yes := true
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := w.AppendStruct(rec{ID: "a", N: 1, Score: 1.5, OK: &yes, At: at, Tags: []string{"x", "y"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.AppendStruct(&rec{ID: "b", At: at}); err != nil {
		t.Fatal(err)
	}
	if err := w.Append("c", 3, nil, false, at, nil); err != nil {
		t.Fatal(err)
	}
	// A wrong type appends nothing of the row.
	if err := w.Append("d", "four", nil, nil, at, nil); err == nil || !strings.Contains(err.Error(), `column "n" cannot hold a string`) {
		t.Errorf("got %v", err)
	}
	if err := w.Append("d"); err == nil {
		t.Error("a short row was accepted")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`a 1 1.5 true 2025-01-02T03:04:05Z ["x","y"]`,
		`b 0 (null) (null) 2025-01-02T03:04:05Z (null)`,
		`c 3 (null) false 2025-01-02T03:04:05Z (null)`,
	}
	if strings.Join(out.rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(out.rows, "\n"), strings.Join(want, "\n"))
	}
	if len(out.sizes) != 2 || out.sizes[0] != 2 || out.sizes[1] != 1 {
		t.Errorf("batch sizes %v, want [2 1]", out.sizes)
	}
	out.err = errors.New("stop")
	w.Append("e", 5, nil, nil, at, nil)
	if err := w.Append("f", 6, nil, nil, at, nil); err != out.err {
		t.Errorf("the sink's error: %v", err)
	}
	if err := w.AppendStruct(struct{ X int }{}); err == nil {
		t.Error("a struct of another schema was accepted")
	}
	if _, err := NewBatchWriter(arrow.NewSchema([]arrow.Field{{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.String)}}, nil), 0, &out); err == nil {
		t.Error("a map column was accepted")
	}
}

func TestDefaults(t *testing.T) {
	if err := OnlyUpsert("x", OpUpsert); err != nil {
		t.Error(err)
	}
	if err := OnlyUpsert("x", OpRemove); !errors.Is(err, ErrUnsupported) || err.Error() != "x: remove is not supported; the sink only adds and updates members" {
		t.Errorf("got %v", err)
	}
	d := SinkDefaults{Info: SinkInfo{KeyKind: KeyEmail}}
	si, _ := d.Describe(context.Background(), DescribeRequest{})
	si.KeyKind = KeyString
	if d.Info.KeyKind != KeyEmail {
		t.Error("Describe returned the defaults' own value")
	}
	if s, err := d.Suppressions(context.Background(), SuppressionsRequest{}); s != nil || err != nil {
		t.Error("suppressions")
	}
}
