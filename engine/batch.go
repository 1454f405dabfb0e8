package engine

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-sync/sluice/dsl/rowexpr"
)

// arrowType is the Arrow type members' fields are sent to a sink as.
func arrowType(t rowexpr.Type) arrow.DataType {
	switch t {
	case rowexpr.Int:
		return arrow.PrimitiveTypes.Int64
	case rowexpr.Float:
		return arrow.PrimitiveTypes.Float64
	case rowexpr.Bool:
		return arrow.FixedWidthTypes.Boolean
	case rowexpr.Time:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case rowexpr.StringList:
		return arrow.ListOf(arrow.BinaryTypes.String)
	}
	return arrow.BinaryTypes.String
}

// memberSchema is the schema of upsert batches: the output fields.
func memberSchema(out []rowexpr.Field) *arrow.Schema {
	fields := make([]arrow.Field, len(out))
	for i, f := range out {
		fields[i] = arrow.Field{Name: f.Name, Type: arrowType(f.Type), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// keySchema is the schema of remove and delete batches.
func keySchema(key string) *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{{Name: key, Type: arrow.BinaryTypes.String}}, nil)
}

// batchBuilder builds member batches, reusing its builders between them.
type batchBuilder struct {
	rb *array.RecordBuilder
}

func newBatchBuilder(schema *arrow.Schema) *batchBuilder {
	return &batchBuilder{rb: array.NewRecordBuilder(memory.DefaultAllocator, schema)}
}

func (b *batchBuilder) release() { b.rb.Release() }

// append adds one row of values in schema order.
func (b *batchBuilder) append(vals []any) {
	for i, v := range vals {
		appendValue(b.rb.Field(i), v)
	}
}

// build returns the batch built so far; the caller releases it.
func (b *batchBuilder) build() arrow.RecordBatch { return b.rb.NewRecordBatch() }

func appendValue(fb array.Builder, v any) {
	if v == nil {
		fb.AppendNull()
		return
	}
	switch b := fb.(type) {
	case *array.StringBuilder:
		if s, ok := v.(string); ok {
			b.Append(s)
		} else if t, ok := v.(time.Time); ok {
			b.Append(t.UTC().Format(time.RFC3339Nano))
		} else {
			b.Append(fmt.Sprint(v))
		}
	case *array.Int64Builder:
		switch x := v.(type) {
		case int64:
			b.Append(x)
		case float64:
			b.Append(int64(x))
		default:
			b.AppendNull()
		}
	case *array.Float64Builder:
		switch x := v.(type) {
		case float64:
			b.Append(x)
		case int64:
			b.Append(float64(x))
		default:
			b.AppendNull()
		}
	case *array.BooleanBuilder:
		if x, ok := v.(bool); ok {
			b.Append(x)
		} else {
			b.AppendNull()
		}
	case *array.TimestampBuilder:
		if t, ok := v.(time.Time); ok {
			b.Append(arrow.Timestamp(t.UnixMicro()))
		} else if s, ok := v.(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				b.Append(arrow.Timestamp(t.UnixMicro()))
			} else {
				b.AppendNull()
			}
		} else {
			b.AppendNull()
		}
	case *array.ListBuilder:
		items, ok := v.([]string)
		if !ok {
			b.AppendNull()
			return
		}
		b.Append(true)
		vb := b.ValueBuilder().(*array.StringBuilder)
		for _, s := range items {
			vb.Append(s)
		}
	default:
		fb.AppendNull()
	}
}
