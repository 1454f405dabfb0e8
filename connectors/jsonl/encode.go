package jsonl

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Encoder writes the rows of one Arrow record batch as JSON objects,
// members in schema order: strings as strings, integers and floats as
// numbers, booleans, timestamps as RFC 3339 strings in UTC, dates as
// "2006-01-02", binary as base64, lists as arrays and structs as
// objects; a null is null. The work of looking at types is done once per
// batch, by NewEncoder; AppendRow does no reflection and allocates
// nothing but dst's growth.
//
// Values JSON cannot hold faithfully are errors of their row, never
// altered: NaN and infinite floats, strings that are not valid UTF-8.
type Encoder struct {
	cols     []member
	omitNull bool
}

// EncoderOptions adjusts an Encoder.
type EncoderOptions struct {
	// Skip names columns left out of the objects.
	Skip []string
	// OmitNull leaves out members whose value is null instead of writing
	// null.
	OmitNull bool
}

type member struct {
	name string
	key  []byte // `"name":`
	arr  arrow.Array
	enc  valueEncoder
}

// valueEncoder appends the JSON of row i of its array; the row is not null.
type valueEncoder func(dst []byte, i int) ([]byte, error)

// NewEncoder prepares the encoding of rec's rows. It fails when a column
// has a type it does not support (maps, unions, decimals, dictionaries).
func NewEncoder(rec arrow.RecordBatch, opt EncoderOptions) (*Encoder, error) {
	e := &Encoder{omitNull: opt.OmitNull}
	for i, f := range rec.Schema().Fields() {
		if slices.Contains(opt.Skip, f.Name) {
			continue
		}
		col := rec.Column(i)
		enc, err := encoderFor(col)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", f.Name, err)
		}
		key := appendString(nil, f.Name)
		e.cols = append(e.cols, member{name: f.Name, key: append(key, ':'), arr: col, enc: enc})
	}
	return e, nil
}

// RowError is a row whose value cannot be written as JSON.
type RowError struct {
	Column string
	Err    error
}

func (e *RowError) Error() string { return fmt.Sprintf("field %q: %v", e.Column, e.Err) }
func (e *RowError) Unwrap() error { return e.Err }

// AppendRow appends row i as a JSON object (without a line break) to
// dst. On error it returns dst as it was and a *RowError.
func (e *Encoder) AppendRow(dst []byte, i int) ([]byte, error) {
	start := len(dst)
	dst = append(dst, '{')
	first := true
	for k := range e.cols {
		m := &e.cols[k]
		null := m.arr.IsNull(i)
		if null && e.omitNull {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, m.key...)
		if null {
			dst = append(dst, "null"...)
			continue
		}
		var err error
		if dst, err = m.enc(dst, i); err != nil {
			return dst[:start], &RowError{Column: m.name, Err: err}
		}
	}
	return append(dst, '}'), nil
}

var (
	errNaN      = errors.New("NaN or an infinity cannot be written as JSON")
	errBadUTF8  = errors.New("invalid UTF-8")
	errNotShown = errors.New("unsupported type")
)

func encoderFor(arr arrow.Array) (valueEncoder, error) {
	switch a := arr.(type) {
	case *array.Null:
		return func(dst []byte, i int) ([]byte, error) { return append(dst, "null"...), nil }, nil
	case *array.String:
		return func(dst []byte, i int) ([]byte, error) { return appendValidString(dst, a.Value(i)) }, nil
	case *array.LargeString:
		return func(dst []byte, i int) ([]byte, error) { return appendValidString(dst, a.Value(i)) }, nil
	case *array.StringView:
		return func(dst []byte, i int) ([]byte, error) { return appendValidString(dst, a.Value(i)) }, nil
	case *array.Binary:
		return func(dst []byte, i int) ([]byte, error) { return appendBase64(dst, a.Value(i)), nil }, nil
	case *array.LargeBinary:
		return func(dst []byte, i int) ([]byte, error) { return appendBase64(dst, a.Value(i)), nil }, nil
	case *array.Boolean:
		return func(dst []byte, i int) ([]byte, error) { return strconv.AppendBool(dst, a.Value(i)), nil }, nil
	case *array.Int8:
		return func(dst []byte, i int) ([]byte, error) { return strconv.AppendInt(dst, int64(a.Value(i)), 10), nil }, nil
	case *array.Int16:
		return func(dst []byte, i int) ([]byte, error) { return strconv.AppendInt(dst, int64(a.Value(i)), 10), nil }, nil
	case *array.Int32:
		return func(dst []byte, i int) ([]byte, error) { return strconv.AppendInt(dst, int64(a.Value(i)), 10), nil }, nil
	case *array.Int64:
		return func(dst []byte, i int) ([]byte, error) { return strconv.AppendInt(dst, a.Value(i), 10), nil }, nil
	case *array.Uint8:
		return func(dst []byte, i int) ([]byte, error) { return strconv.AppendUint(dst, uint64(a.Value(i)), 10), nil }, nil
	case *array.Uint16:
		return func(dst []byte, i int) ([]byte, error) { return strconv.AppendUint(dst, uint64(a.Value(i)), 10), nil }, nil
	case *array.Uint32:
		return func(dst []byte, i int) ([]byte, error) { return strconv.AppendUint(dst, uint64(a.Value(i)), 10), nil }, nil
	case *array.Uint64:
		return func(dst []byte, i int) ([]byte, error) { return strconv.AppendUint(dst, a.Value(i), 10), nil }, nil
	case *array.Float32:
		return func(dst []byte, i int) ([]byte, error) { return appendFloat(dst, float64(a.Value(i)), 32) }, nil
	case *array.Float64:
		return func(dst []byte, i int) ([]byte, error) { return appendFloat(dst, a.Value(i), 64) }, nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return func(dst []byte, i int) ([]byte, error) {
			return appendTime(dst, a.Value(i).ToTime(unit), time.RFC3339Nano), nil
		}, nil
	case *array.Date32:
		return func(dst []byte, i int) ([]byte, error) {
			return appendTime(dst, a.Value(i).ToTime(), time.DateOnly), nil
		}, nil
	case *array.Date64:
		return func(dst []byte, i int) ([]byte, error) {
			return appendTime(dst, a.Value(i).ToTime(), time.DateOnly), nil
		}, nil
	case array.ListLike:
		if _, ok := a.(*array.Map); ok {
			break
		}
		values := a.ListValues()
		item, err := encoderFor(values)
		if err != nil {
			return nil, err
		}
		return func(dst []byte, i int) ([]byte, error) {
			start, end := a.ValueOffsets(i)
			dst = append(dst, '[')
			for k := start; k < end; k++ {
				if k > start {
					dst = append(dst, ',')
				}
				if values.IsNull(int(k)) {
					dst = append(dst, "null"...)
					continue
				}
				var err error
				if dst, err = item(dst, int(k)); err != nil {
					return dst, err
				}
			}
			return append(dst, ']'), nil
		}, nil
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		fields := make([]member, a.NumField())
		for k := range fields {
			enc, err := encoderFor(a.Field(k))
			if err != nil {
				return nil, fmt.Errorf("field %q: %w", st.Field(k).Name, err)
			}
			fields[k] = member{key: append(appendString(nil, st.Field(k).Name), ':'), arr: a.Field(k), enc: enc}
		}
		return func(dst []byte, i int) ([]byte, error) {
			dst = append(dst, '{')
			for k := range fields {
				if k > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, fields[k].key...)
				if fields[k].arr.IsNull(i) {
					dst = append(dst, "null"...)
					continue
				}
				var err error
				if dst, err = fields[k].enc(dst, i); err != nil {
					return dst, err
				}
			}
			return append(dst, '}'), nil
		}, nil
	}
	return nil, fmt.Errorf("%w %s", errNotShown, arr.DataType())
}

func appendTime(dst []byte, t time.Time, layout string) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, layout)
	return append(dst, '"')
}

func appendBase64(dst, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

// appendFloat writes f as encoding/json does: the shortest form that
// reads back to f, in exponent form only when very large or small.
func appendFloat(dst []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, errNaN
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		// 1e-07 becomes 1e-7.
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// appendValidString appends s as a JSON string, refusing invalid UTF-8.
func appendValidString(dst []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return dst, errBadUTF8
	}
	return appendString(dst, s), nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s, which is valid UTF-8, as a JSON string literal,
// escaping only what JSON requires.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
