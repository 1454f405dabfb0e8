package rowexpr

import (
	"fmt"
	"reflect"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// Type is the type a row expression sees for a field.
type Type uint8

const (
	Any Type = iota // unknown or mixed
	String
	Int
	Float
	Bool
	Time
	StringList // a multi-select
)

var typeNames = [...]string{"any", "string", "int", "float", "bool", "time", "[]string"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// article returns the type's name after "a" or "an".
func (t Type) article() string {
	switch t {
	case Any, Int:
		return "an " + t.String()
	}
	return "a " + t.String()
}

// ParseType is the inverse of Type.String.
func ParseType(s string) (Type, bool) {
	for i, n := range typeNames {
		if n == s {
			return Type(i), true
		}
	}
	return Any, false
}

// Field is a named, typed field of a stage.
type Field struct {
	Name string
	Type Type
}

// FromArrow maps an Arrow data type to the type expressions see.
func FromArrow(dt arrow.DataType) Type {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return String
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return Int
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DECIMAL256:
		return Float
	case arrow.BOOL:
		return Bool
	case arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64:
		return Time
	case arrow.LIST, arrow.LARGE_LIST:
		if l, ok := dt.(arrow.ListLikeType); ok && FromArrow(l.Elem()) == String {
			return StringList
		}
	}
	return Any
}

// SchemaFields returns the fields of an Arrow schema.
func SchemaFields(s *arrow.Schema) []Field {
	out := make([]Field, s.NumFields())
	for i, f := range s.Fields() {
		out[i] = Field{Name: f.Name, Type: FromArrow(f.Type)}
	}
	return out
}

// zero returns a typed value for the checker's environment.
func (t Type) zero() any {
	switch t {
	case String:
		return ""
	case Int:
		return 0
	case Float:
		return 0.0
	case Bool:
		return false
	case Time:
		return time.Time{}
	case StringList:
		return []string{}
	}
	return nil
}

var timeType = reflect.TypeOf(time.Time{})

// fromReflect maps the checker's result type back to a Type.
func fromReflect(t reflect.Type) Type {
	if t == nil {
		return Any
	}
	if t == timeType {
		return Time
	}
	switch t.Kind() {
	case reflect.String:
		return String
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return Int
	case reflect.Float32, reflect.Float64:
		return Float
	case reflect.Bool:
		return Bool
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return StringList
		}
	}
	return Any
}
