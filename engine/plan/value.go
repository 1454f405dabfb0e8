package plan

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind is the type of a Value.
type Kind uint8

const (
	KindNull Kind = iota
	KindString
	KindInt
	KindFloat
	KindBool
	KindList // a list of strings
)

func (k Kind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindString:
		return "string"
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindBool:
		return "bool"
	case KindList:
		return "list"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Value is one field value in a plan: null, a string, a 64-bit integer, a
// finite float, a bool or a list of strings. Times are strings in RFC 3339
// (see TimeVal). The zero Value is null.
//
// A Value is immutable and safe to share. It renders the same way every
// time, and its JSON keeps its kind: a float always carries a decimal point
// or an exponent (1.0, not 1), so it reads back as a float.
type Value struct {
	kind Kind
	s    string
	n    uint64 // int64 bits, float64 bits, or 1 for true
	l    []string
}

// NullVal returns the null value.
func NullVal() Value { return Value{} }

// StringVal returns a string value. Invalid UTF-8 is replaced by U+FFFD, so
// the value reads back from JSON or a plan file as it was made.
func StringVal(s string) Value { return Value{kind: KindString, s: validUTF8(s)} }

// IntVal returns an integer value.
func IntVal(i int64) Value { return Value{kind: KindInt, n: uint64(i)} }

// FloatVal returns a float value. JSON has no NaN or infinities: those
// become the strings "NaN", "+Inf" and "-Inf".
func FloatVal(f float64) Value {
	switch {
	case math.IsNaN(f):
		return StringVal("NaN")
	case math.IsInf(f, 1):
		return StringVal("+Inf")
	case math.IsInf(f, -1):
		return StringVal("-Inf")
	}
	return Value{kind: KindFloat, n: math.Float64bits(f)}
}

// BoolVal returns a bool value.
func BoolVal(b bool) Value {
	v := Value{kind: KindBool}
	if b {
		v.n = 1
	}
	return v
}

// ListVal returns a list of strings; it copies items. Invalid UTF-8 is
// replaced as in StringVal.
func ListVal(items ...string) Value {
	l := make([]string, len(items))
	for i, s := range items {
		l[i] = validUTF8(s)
	}
	return Value{kind: KindList, l: l}
}

// TimeVal returns t as a string in RFC 3339 (with fractional seconds when
// there are any), in UTC so the plan does not depend on the machine's zone.
// The zero time is null.
func TimeVal(t time.Time) Value {
	if t.IsZero() {
		return Value{}
	}
	return Value{kind: KindString, s: t.UTC().Format(time.RFC3339Nano)}
}

// ValueOf converts a Go value: nil, Value, string, bool, signed and
// unsigned integers (an unsigned one above MaxInt64 is an error), float32
// and float64, time.Time and []string. Pointers and other types are errors.
func ValueOf(x any) (Value, error) {
	switch x := x.(type) {
	case nil:
		return Value{}, nil
	case Value:
		return x, nil
	case string:
		return StringVal(x), nil
	case bool:
		return BoolVal(x), nil
	case int:
		return IntVal(int64(x)), nil
	case int8:
		return IntVal(int64(x)), nil
	case int16:
		return IntVal(int64(x)), nil
	case int32:
		return IntVal(int64(x)), nil
	case int64:
		return IntVal(x), nil
	case uint:
		return uintVal(uint64(x))
	case uint8:
		return IntVal(int64(x)), nil
	case uint16:
		return IntVal(int64(x)), nil
	case uint32:
		return IntVal(int64(x)), nil
	case uint64:
		return uintVal(x)
	case float32:
		return FloatVal(float64(x)), nil
	case float64:
		return FloatVal(x), nil
	case time.Time:
		return TimeVal(x), nil
	case []string:
		if x == nil {
			return Value{}, nil
		}
		return ListVal(x...), nil
	}
	return Value{}, fmt.Errorf("plan: cannot hold a value of type %T", x)
}

func uintVal(u uint64) (Value, error) {
	if u > math.MaxInt64 {
		return Value{}, fmt.Errorf("plan: integer %d does not fit in 64 signed bits", u)
	}
	return IntVal(int64(u)), nil
}

// Kind returns the value's kind.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.kind == KindNull }

// AsString returns the string and true when v is a string.
func (v Value) AsString() (string, bool) { return v.s, v.kind == KindString }

// AsInt returns the integer and true when v is an integer.
func (v Value) AsInt() (int64, bool) { return int64(v.n), v.kind == KindInt }

// AsFloat returns the float and true when v is a float.
func (v Value) AsFloat() (float64, bool) {
	if v.kind != KindFloat {
		return 0, false
	}
	return math.Float64frombits(v.n), true
}

// AsBool returns the bool and true when v is a bool.
func (v Value) AsBool() (bool, bool) { return v.n == 1, v.kind == KindBool }

// AsList returns a copy of the items and true when v is a list.
func (v Value) AsList() ([]string, bool) {
	if v.kind != KindList {
		return nil, false
	}
	return slices.Clone(v.l), true
}

// Interface returns v as a Go value: nil, string, int64, float64, bool or
// []string (a copy).
func (v Value) Interface() any {
	switch v.kind {
	case KindString:
		return v.s
	case KindInt:
		return int64(v.n)
	case KindFloat:
		return math.Float64frombits(v.n)
	case KindBool:
		return v.n == 1
	case KindList:
		return slices.Clone(v.l)
	}
	return nil
}

// Equal reports whether v and w are the same value: same kind and same
// contents. Floats compare numerically (0.0 equals -0.0); an empty list
// equals a nil one.
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case KindString:
		return v.s == w.s
	case KindInt, KindBool:
		return v.n == w.n
	case KindFloat:
		return math.Float64frombits(v.n) == math.Float64frombits(w.n)
	case KindList:
		return slices.Equal(v.l, w.l)
	}
	return true
}

// String returns the value as the text rendering shows it: strings quoted
// with Go escapes (no control character is left raw), numbers and bools
// bare, null as null, lists as ["a", "b"].
func (v Value) String() string { return string(v.appendText(nil)) }

func (v Value) appendText(b []byte) []byte {
	switch v.kind {
	case KindString:
		return strconv.AppendQuote(b, v.s)
	case KindList:
		b = append(b, '[')
		for i, s := range v.l {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = strconv.AppendQuote(b, s)
		}
		return append(b, ']')
	}
	return v.appendJSON(b)
}

// MarshalJSON returns v as JSON.
func (v Value) MarshalJSON() ([]byte, error) { return v.appendJSON(nil), nil }

func (v Value) appendJSON(b []byte) []byte {
	switch v.kind {
	case KindString:
		return appendJSONString(b, v.s)
	case KindInt:
		return strconv.AppendInt(b, int64(v.n), 10)
	case KindFloat:
		return appendFloat(b, math.Float64frombits(v.n))
	case KindBool:
		return strconv.AppendBool(b, v.n == 1)
	case KindList:
		b = append(b, '[')
		for i, s := range v.l {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']')
	}
	return append(b, "null"...)
}

// UnmarshalJSON reads a value written by MarshalJSON: null, a string, a
// number (an integer when it has no decimal point or exponent and fits in
// 64 bits, else a float), a bool, or an array of strings.
func (v *Value) UnmarshalJSON(data []byte) error {
	d := jsonScanner{s: string(data)}
	w, err := d.value()
	if err == nil {
		err = d.end()
	}
	if err != nil {
		return fmt.Errorf("plan: field value: %w", err)
	}
	*v = w
	return nil
}

// appendFloat writes f as encoding/json does, then adds ".0" when the
// result would otherwise read back as an integer.
func appendFloat(b []byte, f float64) []byte {
	start := len(b)
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 → 1e-7, as encoding/json writes it.
		if n := len(b); n-start >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
		return b
	}
	if !bytes.ContainsAny(b[start:], ".eE") {
		b = append(b, ".0"...)
	}
	return b
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
