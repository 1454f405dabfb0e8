package plan

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonScanner decodes the JSON of field values, fields objects and diffs
// (as appendJSON, jsonWriter.fields and jsonWriter.diff write them, or any
// equivalent JSON) without reflection: reading a plan file decodes one
// fields object or diff per change.
type jsonScanner struct {
	s string
	i int
}

func (d *jsonScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s", d.i, fmt.Sprintf(format, args...))
}

func (d *jsonScanner) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte, 0 at the end.
func (d *jsonScanner) peek() byte {
	d.ws()
	if d.i < len(d.s) {
		return d.s[d.i]
	}
	return 0
}

func (d *jsonScanner) expect(c byte) error {
	if d.peek() != c {
		return d.errorf("want %q", c)
	}
	d.i++
	return nil
}

// end checks that only white space is left.
func (d *jsonScanner) end() error {
	if d.ws(); d.i < len(d.s) {
		return d.errorf("unexpected data after the value")
	}
	return nil
}

// str reads a string. The result never shares memory with the input.
func (d *jsonScanner) str() (string, error) {
	if d.peek() != '"' {
		return "", d.errorf("want a string")
	}
	start := d.i
	plain := true
	for j := start + 1; j < len(d.s); j++ {
		switch c := d.s[j]; {
		case c == '\\':
			plain = false
			j++ // skip the escaped byte; \u digits are checked below
		case c < 0x20:
			return "", d.errorf("control character in a string")
		case c == '"':
			d.i = j + 1
			tok := d.s[start:d.i]
			if plain && utf8.ValidString(tok) {
				return strings.Clone(tok[1 : len(tok)-1]), nil
			}
			var out string
			if err := json.Unmarshal([]byte(tok), &out); err != nil {
				return "", d.errorf("%v", err)
			}
			return out, nil
		}
	}
	return "", d.errorf("unterminated string")
}

func (d *jsonScanner) literal(word string) bool {
	if strings.HasPrefix(d.s[d.i:], word) {
		d.i += len(word)
		return true
	}
	return false
}

// value reads a field value: null, a string, a number, a bool or an array
// of strings.
func (d *jsonScanner) value() (Value, error) {
	switch c := d.peek(); {
	case c == 'n' && d.literal("null"):
		return Value{}, nil
	case c == 't' && d.literal("true"):
		return BoolVal(true), nil
	case c == 'f' && d.literal("false"):
		return BoolVal(false), nil
	case c == '"':
		s, err := d.str()
		if err != nil {
			return Value{}, err
		}
		return Value{kind: KindString, s: s}, nil
	case c == '[':
		d.i++
		l := []string{}
		if d.peek() == ']' {
			d.i++
			return Value{kind: KindList, l: l}, nil
		}
		for {
			if d.peek() != '"' {
				return Value{}, d.errorf("a list value holds only strings")
			}
			s, err := d.str()
			if err != nil {
				return Value{}, err
			}
			l = append(l, s)
			switch d.peek() {
			case ',':
				d.i++
			case ']':
				d.i++
				return Value{kind: KindList, l: l}, nil
			default:
				return Value{}, d.errorf("want , or ]")
			}
		}
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	}
	return Value{}, d.errorf("a field value is null, a string, a number, a bool or a list of strings")
}

// number reads a JSON number: an integer when it has no fraction or
// exponent and fits in 64 bits, else a float.
func (d *jsonScanner) number() (Value, error) {
	start := d.i
	s := d.s
	i := d.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	intStart := i
	if n := digits(); n == 0 || (n > 1 && s[intStart] == '0') {
		return Value{}, d.errorf("invalid number")
	}
	isFloat := false
	if i < len(s) && s[i] == '.' {
		i++
		isFloat = true
		if digits() == 0 {
			return Value{}, d.errorf("invalid number")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		isFloat = true
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return Value{}, d.errorf("invalid number")
		}
	}
	d.i = i
	tok := s[start:i]
	if !isFloat {
		if n, err := strconv.ParseInt(tok, 10, 64); err == nil {
			return IntVal(n), nil
		}
	}
	f, err := strconv.ParseFloat(tok, 64)
	if err != nil || math.IsInf(f, 0) {
		return Value{}, d.errorf("number %.40s out of range", tok)
	}
	return Value{kind: KindFloat, n: math.Float64bits(f)}, nil
}

// skip reads any JSON value and drops it (a member a later minor version
// added).
func (d *jsonScanner) skip() error {
	switch c := d.peek(); c {
	case '{', '[':
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		d.i++
		if d.peek() == closing {
			d.i++
			return nil
		}
		for {
			if c == '{' {
				if _, err := d.str(); err != nil {
					return err
				}
				if err := d.expect(':'); err != nil {
					return err
				}
			}
			if err := d.skip(); err != nil {
				return err
			}
			switch d.peek() {
			case ',':
				d.i++
			case closing:
				d.i++
				return nil
			default:
				return d.errorf("want , or %q", closing)
			}
		}
	case '"':
		_, err := d.str()
		return err
	default:
		if d.literal("true") || d.literal("false") || d.literal("null") {
			return nil
		}
		_, err := d.number()
		return err
	}
}

// object reads an object, calling member for each key; member reads the
// value.
func (d *jsonScanner) object(member func(key string) error) error {
	if err := d.expect('{'); err != nil {
		return err
	}
	if d.peek() == '}' {
		d.i++
		return nil
	}
	for {
		k, err := d.str()
		if err != nil {
			return err
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		if err := member(k); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return d.errorf("want , or }")
		}
	}
}

// parseFields decodes a fields object: field name → value.
func parseFields(s string) (map[string]Value, error) {
	d := jsonScanner{s: s}
	m := map[string]Value{}
	err := d.object(func(k string) error {
		v, err := d.value()
		m[k] = v
		return err
	})
	if err == nil {
		err = d.end()
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

// parseDiff decodes a diff: [{"field":…,"before":…,"after":…}, …].
func parseDiff(s string) ([]FieldChange, error) {
	d := jsonScanner{s: s}
	if err := d.expect('['); err != nil {
		return nil, err
	}
	diff := []FieldChange{}
	if d.peek() == ']' {
		d.i++
		return diff, d.end()
	}
	for {
		var fc FieldChange
		hasField := false
		err := d.object(func(k string) error {
			var err error
			switch k {
			case "field":
				fc.Field, err = d.str()
				hasField = true
			case "before":
				fc.Before, err = d.value()
			case "after":
				fc.After, err = d.value()
			default:
				err = d.skip()
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if !hasField {
			return nil, d.errorf("a diff entry without a field")
		}
		diff = append(diff, fc)
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return diff, d.end()
		default:
			return nil, d.errorf("want , or ]")
		}
	}
}
