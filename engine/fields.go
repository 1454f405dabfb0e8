package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/zeebo/xxh3"

	"github.com/sluice-sync/sluice/dsl/rowexpr"
	"github.com/sluice-sync/sluice/engine/plan"
)

// encodeFields appends the canonical JSON object of a member's mapped
// fields — the form the state stores and the diff hashes. Fields appear in
// output order; times are RFC 3339 strings in UTC.
func encodeFields(b []byte, out []rowexpr.Field, vals []any) []byte {
	b = append(b, '{')
	for i, f := range out {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.Name)
		b = append(b, ':')
		b = appendJSONValue(b, vals[i])
	}
	return append(b, '}')
}

// encode sets the candidate's canonical field encoding and its hash, once:
// only the candidates the diff compares and the members apply writes
// need them.
func (c *candidate) encode(out []rowexpr.Field) {
	if c.enc != nil {
		return
	}
	c.enc = encodeFields(make([]byte, 0, encodedSize(out, c.vals)), out, c.vals)
	c.hash = hashFields(c.enc)
}

// encodedSize estimates the length of encodeFields' result, so that it
// is built in one allocation.
func encodedSize(out []rowexpr.Field, vals []any) int {
	n := 2
	for i, f := range out {
		n += len(f.Name) + 4
		switch x := vals[i].(type) {
		case string:
			n += len(x) + 2
		case []string:
			for _, s := range x {
				n += len(s) + 3
			}
		default:
			n += 24
		}
	}
	return n
}

func appendJSONValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case bool:
		return strconv.AppendBool(b, x)
	case time.Time:
		return appendJSONString(b, x.UTC().Format(time.RFC3339Nano))
	case []string:
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']')
	}
	return appendJSONString(b, fmt.Sprint(v))
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
// Runs of bytes that need no escaping are copied at once.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// hashFields hashes a canonical field encoding.
func hashFields(enc []byte) uint64 { return xxh3.Hash(enc) }

// decodeFields parses a stored field object into plan values, keeping
// whole numbers as ints.
func decodeFields(enc []byte) (map[string]plan.Value, error) {
	dec := json.NewDecoder(bytes.NewReader(enc))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("stored member fields: %w", err)
	}
	out := make(map[string]plan.Value, len(m))
	for k, v := range m {
		out[k] = jsonToValue(v)
	}
	return out, nil
}

func jsonToValue(v any) plan.Value {
	switch x := v.(type) {
	case nil:
		return plan.NullVal()
	case string:
		return plan.StringVal(x)
	case bool:
		return plan.BoolVal(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return plan.IntVal(i)
		}
		f, _ := x.Float64()
		return plan.FloatVal(f)
	case []any:
		items := make([]string, len(x))
		for i, e := range x {
			items[i] = fmt.Sprint(e)
		}
		return plan.ListVal(items...)
	}
	return plan.StringVal(fmt.Sprint(v))
}

// planValue converts an engine value for the plan.
func planValue(v any) plan.Value {
	pv, err := plan.ValueOf(v)
	if err != nil {
		return plan.StringVal(fmt.Sprint(v))
	}
	return pv
}

// encodedValue is one field's canonical encoding, for field-level diffs.
func encodedValue(v any) string { return string(appendJSONValue(nil, v)) }

// storedValue is how a value reads back from the state (times become
// strings), for comparing with what was stored.
func storedValue(v any) plan.Value {
	if t, ok := v.(time.Time); ok {
		return plan.StringVal(t.UTC().Format(time.RFC3339Nano))
	}
	return planValue(v)
}
