package sdk

import (
	"fmt"
	"reflect"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BatchWriter assembles records into batches row by row, for sources whose
// API yields one record at a time, and sends each full batch to a
// ReadSink. Flush sends the last, partial batch.
//
// A BatchWriter is not safe for concurrent use. Each batch is released
// once the ReadSink's Batch returns, as the ReadSink contract says.
type BatchWriter struct {
	out       ReadSink
	rows      int
	b         *array.RecordBuilder
	cols      []column
	n         int
	shape     *recordShape
	shapeType reflect.Type
	scratch   []any
}

// column appends one Go value to one Arrow column.
type column struct {
	name   string
	check  func(v any) bool
	append func(v any)
	null   func()
}

// NewBatchWriter returns a writer of batches of at most rows rows (a
// default of 4096 when rows <= 0) with the given schema. The schema's
// column types are those SchemaOf produces: utf8, int64, float64, bool,
// timestamps of any unit and list<utf8>.
func NewBatchWriter(schema *arrow.Schema, rows int, out ReadSink) (*BatchWriter, error) {
	if rows <= 0 {
		rows = 4096
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	w := &BatchWriter{out: out, rows: rows, b: b}
	for i, f := range schema.Fields() {
		c, err := newColumn(f, b.Field(i))
		if err != nil {
			b.Release()
			return nil, err
		}
		w.cols = append(w.cols, c)
	}
	return w, nil
}

func newColumn(f arrow.Field, fb array.Builder) (column, error) {
	c := column{name: f.Name, null: fb.AppendNull}
	switch b := fb.(type) {
	case *array.StringBuilder:
		c.check = func(v any) bool { _, ok := v.(string); return ok }
		c.append = func(v any) { b.Append(v.(string)) }
	case *array.Int64Builder:
		c.check = func(v any) bool { _, ok := toInt64(v); return ok }
		c.append = func(v any) { i, _ := toInt64(v); b.Append(i) }
	case *array.Float64Builder:
		c.check = func(v any) bool { _, ok := toFloat64(v); return ok }
		c.append = func(v any) { x, _ := toFloat64(v); b.Append(x) }
	case *array.BooleanBuilder:
		c.check = func(v any) bool { _, ok := v.(bool); return ok }
		c.append = func(v any) { b.Append(v.(bool)) }
	case *array.TimestampBuilder:
		unit := f.Type.(*arrow.TimestampType).Unit
		c.check = func(v any) bool { _, ok := v.(time.Time); return ok }
		c.append = func(v any) {
			ts, _ := arrow.TimestampFromTime(v.(time.Time), unit)
			b.Append(ts)
		}
	case *array.ListBuilder:
		items, ok := b.ValueBuilder().(*array.StringBuilder)
		if !ok {
			return c, fmt.Errorf("sdk.NewBatchWriter: column %q is a %s; a list column holds strings", f.Name, f.Type)
		}
		c.check = func(v any) bool { _, ok := v.([]string); return ok }
		c.append = func(v any) {
			b.Append(true)
			for _, s := range v.([]string) {
				items.Append(s)
			}
		}
	default:
		return c, fmt.Errorf("sdk.NewBatchWriter: column %q is a %s; use utf8, int64, float64, bool, a timestamp or list<utf8>", f.Name, f.Type)
	}
	return c, nil
}

func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	}
	return 0, false
}

func toFloat64(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	}
	if i, ok := toInt64(v); ok {
		return float64(i), true
	}
	return 0, false
}

// Append adds one row: a value per column, in schema order; nil is null.
// A string column takes a string; an int64 column any integer type up to
// 32 bits unsigned or 64 signed; a float64 column a float or an integer; a
// bool column a bool; a timestamp column a time.Time; a list column a
// []string. A wrong count or type is an error, and nothing of the row is
// appended. When the batch is full it is sent, and the ReadSink's error
// returned.
func (w *BatchWriter) Append(vals ...any) error {
	if len(vals) != len(w.cols) {
		return fmt.Errorf("sdk.BatchWriter: a row of %d values for %d columns", len(vals), len(w.cols))
	}
	for i, v := range vals {
		if v != nil && !w.cols[i].check(v) {
			return fmt.Errorf("sdk.BatchWriter: column %q cannot hold a %T", w.cols[i].name, v)
		}
	}
	for i, v := range vals {
		if v == nil {
			w.cols[i].null()
		} else {
			w.cols[i].append(v)
		}
	}
	w.n++
	if w.n >= w.rows {
		return w.Flush()
	}
	return nil
}

// AppendStruct adds one row from v, a struct (or a pointer to one) of a
// type whose SchemaOf is the writer's schema.
func (w *BatchWriter) AppendStruct(v any) error {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return fmt.Errorf("sdk.BatchWriter: AppendStruct of nil")
	}
	if w.shape == nil || w.shapeType != rv.Type() {
		rs, err := recordShapeOf(rv.Type())
		if err != nil {
			return err
		}
		if !rs.schema.Equal(w.b.Schema()) {
			return fmt.Errorf("sdk.BatchWriter: the schema of %T is not the writer's", v)
		}
		w.shape, w.shapeType = rs, rv.Type()
	}
	if rv.Kind() == reflect.Pointer && rv.IsNil() {
		return fmt.Errorf("sdk.BatchWriter: AppendStruct of a nil %T", v)
	}
	w.scratch = w.shape.values(rv, w.scratch)
	return w.Append(w.scratch...)
}

// Flush sends the rows appended since the last batch, if any.
func (w *BatchWriter) Flush() error {
	if w.n == 0 {
		return nil
	}
	rec := w.b.NewRecordBatch()
	w.n = 0
	defer rec.Release()
	return w.out.Batch(rec)
}

// Release frees the writer's memory. Rows not flushed are dropped.
func (w *BatchWriter) Release() {
	if w.b != nil {
		w.b.Release()
		w.b = nil
	}
}
