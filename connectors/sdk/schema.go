package sdk

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// TimestampType is the Arrow type of a time column: microseconds, UTC.
// SchemaOf gives time.Time fields this type.
var TimestampType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// SchemaOf returns the Arrow schema of records shaped like v, a struct or
// a pointer to one. Each exported field is a column, named by its
// `sluice:"name"` tag or else by the field's name; a tag of "-" leaves
// the field out. Go types map to the types a pipeline's expressions see:
//
//	string                          string (utf8)
//	int, int8…int64, uint8…uint32   int (int64)
//	float32, float64                float (float64)
//	bool                            bool
//	time.Time                       time (TimestampType)
//	[]string                        []string (list<utf8>), nullable
//
// A pointer to one of these is the same type, nullable (nil is null);
// the tag option "nullable" (`sluice:"name,nullable"`) makes a field
// nullable whose zero value is then null. Other types are an error.
func SchemaOf(v any) (*arrow.Schema, error) {
	rs, err := recordShapeOf(reflect.TypeOf(v))
	if err != nil {
		return nil, err
	}
	return rs.schema, nil
}

// recordShape is how a struct type maps to columns.
type recordShape struct {
	schema *arrow.Schema
	fields []shapeField
}

type shapeField struct {
	index    int  // the struct field
	ptr      bool // a pointer to the value
	zeroNull bool // the zero value is null
}

var shapes sync.Map // reflect.Type → *recordShape or error

func recordShapeOf(t reflect.Type) (*recordShape, error) {
	if t == nil {
		return nil, fmt.Errorf("sdk.SchemaOf: nil is not a struct")
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if cached, ok := shapes.Load(t); ok {
		if err, isErr := cached.(error); isErr {
			return nil, err
		}
		return cached.(*recordShape), nil
	}
	rs, err := buildShape(t)
	if err != nil {
		shapes.Store(t, err)
		return nil, err
	}
	shapes.Store(t, rs)
	return rs, nil
}

var timeType = reflect.TypeOf(time.Time{})

func buildShape(t reflect.Type) (*recordShape, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("sdk.SchemaOf: %s is not a struct", t)
	}
	rs := &recordShape{}
	var fields []arrow.Field
	seen := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(sf.Tag.Get("sluice"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if seen[name] {
			return nil, fmt.Errorf("sdk.SchemaOf: %s has two columns named %q", t, name)
		}
		seen[name] = true
		ft := sf.Type
		f := shapeField{index: i}
		if ft.Kind() == reflect.Pointer {
			f.ptr = true
			ft = ft.Elem()
		}
		typ := arrowTypeOf(ft)
		if typ == nil {
			return nil, fmt.Errorf("sdk.SchemaOf: field %s.%s is a %s; use a string, an integer, a float, a bool, a time.Time or a []string", t, sf.Name, sf.Type)
		}
		f.zeroNull = opts == "nullable"
		nullable := f.ptr || f.zeroNull || typ.ID() == arrow.LIST
		fields = append(fields, arrow.Field{Name: name, Type: typ, Nullable: nullable})
		rs.fields = append(rs.fields, f)
	}
	rs.schema = arrow.NewSchema(fields, nil)
	return rs, nil
}

func arrowTypeOf(t reflect.Type) arrow.DataType {
	if t == timeType {
		return TimestampType
	}
	switch t.Kind() {
	case reflect.String:
		return arrow.BinaryTypes.String
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return arrow.PrimitiveTypes.Int64
	case reflect.Float32, reflect.Float64:
		return arrow.PrimitiveTypes.Float64
	case reflect.Bool:
		return arrow.FixedWidthTypes.Boolean
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return arrow.ListOf(arrow.BinaryTypes.String)
		}
	}
	return nil
}

// values returns the column values of v, a struct of this shape (or a
// pointer to one), as BatchWriter.Append takes them.
func (rs *recordShape) values(v reflect.Value, dst []any) []any {
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	dst = dst[:0]
	for _, f := range rs.fields {
		fv := v.Field(f.index)
		if f.ptr {
			if fv.IsNil() {
				dst = append(dst, nil)
				continue
			}
			fv = fv.Elem()
		}
		if f.zeroNull && fv.IsZero() {
			dst = append(dst, nil)
			continue
		}
		switch fv.Kind() {
		case reflect.String:
			dst = append(dst, fv.String())
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			dst = append(dst, fv.Int())
		case reflect.Uint8, reflect.Uint16, reflect.Uint32:
			dst = append(dst, int64(fv.Uint()))
		case reflect.Float32, reflect.Float64:
			dst = append(dst, fv.Float())
		case reflect.Bool:
			dst = append(dst, fv.Bool())
		case reflect.Slice:
			if fv.IsNil() {
				dst = append(dst, nil)
			} else {
				dst = append(dst, fv.Interface())
			}
		default: // time.Time
			dst = append(dst, fv.Interface())
		}
	}
	return dst
}
