package column

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Type is a column's type. Its names are those of sdk.Field.Type.
type Type uint8

// The types, with their Arrow types: string (utf8), int (int64), float
// (float64), bool, time (timestamp[us, UTC]) and []string (list<utf8>).
const (
	String Type = iota + 1
	Int
	Float
	Bool
	Time
	List
)

var typeNames = [...]string{String: "string", Int: "int", Float: "float", Bool: "bool", Time: "time", List: "[]string"}

func (t Type) String() string {
	if t > 0 && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// What is the type as it reads in a reason: "… is not an integer".
func (t Type) What() string {
	switch t {
	case Int:
		return "an integer"
	case Float:
		return "a number"
	case Bool:
		return "a boolean (true, false, yes, no, 1, 0)"
	case Time:
		return "a time (RFC 3339 or 2006-01-02 15:04:05)"
	case List:
		return "a list of strings"
	}
	return "a " + t.String()
}

// ParseType is the inverse of Type.String.
func ParseType(s string) (Type, bool) {
	for t, n := range typeNames {
		if t > 0 && n == s {
			return Type(t), true
		}
	}
	return 0, false
}

// TimestampType is the Arrow type of time columns.
var TimestampType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// Arrow returns the Arrow type of a column of type t.
func (t Type) Arrow() arrow.DataType {
	switch t {
	case Int:
		return arrow.PrimitiveTypes.Int64
	case Float:
		return arrow.PrimitiveTypes.Float64
	case Bool:
		return arrow.FixedWidthTypes.Boolean
	case Time:
		return TimestampType
	case List:
		return arrow.ListOf(arrow.BinaryTypes.String)
	}
	return arrow.BinaryTypes.String
}
