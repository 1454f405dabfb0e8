package jsonl

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

// one builds a one-row, one-column batch with build appending the value.
func one(t *testing.T, typ arrow.DataType, build func(b array.Builder)) arrow.RecordBatch {
	t.Helper()
	rb := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{{Name: "v", Type: typ, Nullable: true}}, nil))
	defer rb.Release()
	build(rb.Field(0))
	return rb.NewRecordBatch()
}

func TestEncoderTypes(t *testing.T) {
	day := arrow.Date32FromTime(ts("2024-02-29T00:00:00Z"))
	tests := []struct {
		name  string
		typ   arrow.DataType
		build func(b array.Builder)
		want  string
	}{
		{"null", arrow.BinaryTypes.String, func(b array.Builder) { b.AppendNull() }, `{"v":null}`},
		{"string escapes", arrow.BinaryTypes.String, func(b array.Builder) { b.(*array.StringBuilder).Append("a\"\\/\b\x1f<é>") }, `{"v":"a\"\\/\u0008\u001f<é>"}`},
		{"large string", arrow.BinaryTypes.LargeString, func(b array.Builder) { b.(*array.LargeStringBuilder).Append("x") }, `{"v":"x"}`},
		{"binary", arrow.BinaryTypes.Binary, func(b array.Builder) { b.(*array.BinaryBuilder).Append([]byte{0, 1, 2}) }, `{"v":"AAEC"}`},
		{"int8", arrow.PrimitiveTypes.Int8, func(b array.Builder) { b.(*array.Int8Builder).Append(-8) }, `{"v":-8}`},
		{"uint64", arrow.PrimitiveTypes.Uint64, func(b array.Builder) { b.(*array.Uint64Builder).Append(math.MaxUint64) }, `{"v":18446744073709551615}`},
		{"float32", arrow.PrimitiveTypes.Float32, func(b array.Builder) { b.(*array.Float32Builder).Append(0.1) }, `{"v":0.1}`},
		{"float small", arrow.PrimitiveTypes.Float64, func(b array.Builder) { b.(*array.Float64Builder).Append(1e-7) }, `{"v":1e-7}`},
		{"float whole", arrow.PrimitiveTypes.Float64, func(b array.Builder) { b.(*array.Float64Builder).Append(3) }, `{"v":3}`},
		{"bool", arrow.FixedWidthTypes.Boolean, func(b array.Builder) { b.(*array.BooleanBuilder).Append(false) }, `{"v":false}`},
		{"timestamp s, zone", &arrow.TimestampType{Unit: arrow.Second, TimeZone: "Asia/Tokyo"}, func(b array.Builder) {
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(ts("2024-01-02T03:04:05Z").Unix()))
		}, `{"v":"2024-01-02T03:04:05Z"}`},
		{"timestamp ns", arrow.FixedWidthTypes.Timestamp_ns, func(b array.Builder) {
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(ts("2024-01-02T03:04:05.000000001Z").UnixNano()))
		}, `{"v":"2024-01-02T03:04:05.000000001Z"}`},
		{"date32", arrow.FixedWidthTypes.Date32, func(b array.Builder) { b.(*array.Date32Builder).Append(day) }, `{"v":"2024-02-29"}`},
		{"list of ints with null", arrow.ListOf(arrow.PrimitiveTypes.Int64), func(b array.Builder) {
			lb := b.(*array.ListBuilder)
			lb.Append(true)
			vb := lb.ValueBuilder().(*array.Int64Builder)
			vb.Append(1)
			vb.AppendNull()
		}, `{"v":[1,null]}`},
		{"struct", arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true}), func(b array.Builder) {
			sb := b.(*array.StructBuilder)
			sb.Append(true)
			sb.FieldBuilder(0).(*array.Int64Builder).Append(1)
			sb.FieldBuilder(1).AppendNull()
		}, `{"v":{"a":1,"b":null}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := one(t, tt.typ, tt.build)
			defer rec.Release()
			e, err := NewEncoder(rec, EncoderOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.AppendRow(nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestEncoderErrors(t *testing.T) {
	rec := one(t, arrow.BinaryTypes.String, func(b array.Builder) { b.(*array.StringBuilder).Append("a\xffb") })
	defer rec.Release()
	e, err := NewEncoder(rec, EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.AppendRow([]byte("keep"), 0)
	var re *RowError
	if !errors.As(err, &re) || re.Column != "v" || !errors.Is(err, errBadUTF8) || string(got) != "keep" {
		t.Errorf("got %q, %v", got, err)
	}

	mt := arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64)
	rec2 := one(t, mt, func(b array.Builder) { b.AppendNull() })
	defer rec2.Release()
	if _, err := NewEncoder(rec2, EncoderOptions{}); err == nil {
		t.Error("map column: no error")
	}
}

func TestEncoderOptions(t *testing.T) {
	rec := batch(t, []arrow.Field{
		{Name: "k", Type: arrow.BinaryTypes.String},
		{Name: "a", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "b", Type: arrow.PrimitiveTypes.Int64},
	}, []string{"x", "y"}, []*string{nil, ptr("A")}, []int64{1, 2})
	defer rec.Release()
	e, err := NewEncoder(rec, EncoderOptions{Skip: []string{"k"}, OmitNull: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := range 2 {
		b, err := e.AppendRow(nil, i)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(b))
	}
	if diff := cmp.Diff([]string{`{"b":1}`, `{"a":"A","b":2}`}, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// BenchmarkWrite writes batches of 10k rows shaped like the reference
// job's output (six string members) plus an int, a time and a bool.
func BenchmarkWrite(b *testing.B) {
	const n = 10_000
	fields := []arrow.Field{
		{Name: "Contact Email", Type: arrow.BinaryTypes.String}, {Name: "First Name", Type: arrow.BinaryTypes.String},
		{Name: "Last Name", Type: arrow.BinaryTypes.String}, {Name: "Full Name", Type: arrow.BinaryTypes.String},
		{Name: "City", Type: arrow.BinaryTypes.String}, {Name: "source", Type: arrow.BinaryTypes.String},
		{Name: "years", Type: arrow.PrimitiveTypes.Int64}, {Name: "seen", Type: usUTC}, {Name: "vip", Type: arrow.FixedWidthTypes.Boolean},
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	for i := range n {
		rb.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("user%d@example.com", i))
		rb.Field(1).(*array.StringBuilder).Append("Sōta")
		rb.Field(2).(*array.StringBuilder).Append(`O'Brien "Bob"`)
		rb.Field(3).(*array.StringBuilder).Append(`Sōta O'Brien "Bob"`)
		rb.Field(4).(*array.StringBuilder).Append("Tokyo")
		rb.Field(5).(*array.StringBuilder).Append("recruit")
		rb.Field(6).(*array.Int64Builder).Append(int64(i % 16))
		rb.Field(7).(*array.TimestampBuilder).Append(arrow.Timestamp(1700000000000000 + int64(i)*1000))
		rb.Field(8).(*array.BooleanBuilder).Append(i%3 == 0)
	}
	rec := rb.NewRecordBatch()
	rb.Release()
	defer rec.Release()
	c, err := New().Open(b.Context(), sdkSettings(b.TempDir()+"/out.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	w := c.(*conn)
	req := writeReq("Contact Email")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Write(b.Context(), req, rec); err != nil {
			b.Fatal(err)
		}
		// Keep the file small: start it again now and then.
		if st, _ := w.f.Stat(); st.Size() > 64<<20 {
			if err := w.f.Truncate(0); err != nil {
				b.Fatal(err)
			}
			if _, err := w.f.Seek(0, 0); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
