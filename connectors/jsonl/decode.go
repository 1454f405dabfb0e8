package jsonl

import (
	"encoding/json"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sluice-sync/sluice/connectors/internal/column"
)

// kind is the JSON kind of a value.
type kind uint8

const (
	kNull kind = iota + 1
	kString
	kNumber
	kTrue
	kFalse
	kObject
	kArray // an array holding something other than strings
	kStrings
)

// val is one decoded member value. It refers to the decoder's line and
// scratch buffer and is valid until the next decode.
type val struct {
	kind kind
	// text is a string's decoded bytes, a number's literal, or the raw
	// JSON of an object or array.
	text  []byte
	items [][]byte // the decoded strings of a kStrings array
}

// decoder decodes one line holding a flat JSON object: its members'
// keys and values, nested objects and arrays kept as raw JSON (arrays of
// strings also decoded). It allocates only while its buffers grow.
type decoder struct {
	b       []byte
	p       int
	scratch []byte // decoded strings with escapes
	keys    [][]byte
	vals    []val
	items   [][]byte // backing store of the vals' items
}

// syntaxError is a line that is not one JSON object.
type syntaxError struct {
	col int // 1-based byte column
	msg string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at column %d: %s", e.col, e.msg)
}

func (d *decoder) fail(msg string, args ...any) error {
	return &syntaxError{col: d.p + 1, msg: fmt.Sprintf(msg, args...)}
}

// decode decodes line, which must be valid UTF-8.
func (d *decoder) decode(line []byte) error {
	d.b, d.p = line, 0
	d.keys, d.vals, d.items = d.keys[:0], d.vals[:0], d.items[:0]
	// Decoding shrinks a string, and a string is decoded at most twice
	// (an array that turns out not to be only strings), so scratch does
	// not grow within a line. Were it to, earlier views would stay valid.
	if cap(d.scratch) < 2*len(line) {
		d.scratch = make([]byte, 0, 2*len(line)+64)
	}
	d.scratch = d.scratch[:0]
	d.ws()
	if !d.eat('{') {
		if d.p < len(d.b) && (d.b[d.p] == '[' || d.b[d.p] == '"') {
			return d.fail("the line is not a JSON object")
		}
		return d.fail("expected {")
	}
	d.ws()
	if !d.eat('}') {
		for {
			d.ws()
			if d.p >= len(d.b) || d.b[d.p] != '"' {
				return d.fail("expected a quoted member name")
			}
			key, err := d.str()
			if err != nil {
				return err
			}
			d.ws()
			if !d.eat(':') {
				return d.fail("expected : after member name")
			}
			d.ws()
			v, err := d.value()
			if err != nil {
				return err
			}
			d.keys = append(d.keys, key)
			d.vals = append(d.vals, v)
			d.ws()
			if d.eat(',') {
				continue
			}
			if d.eat('}') {
				break
			}
			return d.fail("expected , or } after member value")
		}
	}
	d.ws()
	if d.p != len(d.b) {
		return d.fail("text after the object")
	}
	return nil
}

func (d *decoder) ws() {
	for d.p < len(d.b) {
		switch d.b[d.p] {
		case ' ', '\t', '\r', '\n':
			d.p++
		default:
			return
		}
	}
}

func (d *decoder) eat(c byte) bool {
	if d.p < len(d.b) && d.b[d.p] == c {
		d.p++
		return true
	}
	return false
}

func (d *decoder) value() (val, error) {
	if d.p >= len(d.b) {
		return val{}, d.fail("expected a value")
	}
	switch c := d.b[d.p]; {
	case c == '"':
		s, err := d.str()
		return val{kind: kString, text: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		a := d.p
		for d.p < len(d.b) && isNumByte(d.b[d.p]) {
			d.p++
		}
		num := d.b[a:d.p]
		if !column.CanonicalFloat(num) {
			d.p = a
			return val{}, d.fail("invalid number %s", column.Quote(num))
		}
		return val{kind: kNumber, text: num}, nil
	case c == 't':
		return d.literal("true", kTrue)
	case c == 'f':
		return d.literal("false", kFalse)
	case c == 'n':
		return d.literal("null", kNull)
	case c == '[':
		return d.array()
	case c == '{':
		a := d.p
		if err := d.skipNested(); err != nil {
			return val{}, err
		}
		return val{kind: kObject, text: d.b[a:d.p]}, nil
	}
	return val{}, d.fail("unexpected %q", d.b[d.p])
}

func isNumByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func (d *decoder) literal(word string, k kind) (val, error) {
	if len(d.b)-d.p >= len(word) && string(d.b[d.p:d.p+len(word)]) == word {
		d.p += len(word)
		return val{kind: k}, nil
	}
	return val{}, d.fail("unexpected %q", d.b[d.p])
}

// array decodes an array of strings as kStrings, and keeps any other
// array as raw JSON.
func (d *decoder) array() (val, error) {
	a := d.p
	first := len(d.items)
	d.p++
	d.ws()
	if d.eat(']') {
		return val{kind: kStrings, text: d.b[a:d.p], items: d.items[first:first:first]}, nil
	}
	for {
		d.ws()
		if d.p >= len(d.b) || d.b[d.p] != '"' {
			break // not only strings
		}
		s, err := d.str()
		if err != nil {
			return val{}, err
		}
		d.items = append(d.items, s)
		d.ws()
		if d.eat(',') {
			continue
		}
		if d.eat(']') {
			return val{kind: kStrings, text: d.b[a:d.p], items: d.items[first:len(d.items):len(d.items)]}, nil
		}
		return val{}, d.fail("expected , or ] in array")
	}
	d.items = d.items[:first]
	d.p = a
	if err := d.skipNested(); err != nil {
		return val{}, err
	}
	return val{kind: kArray, text: d.b[a:d.p]}, nil
}

// skipNested moves past the object or array at p and checks it is valid
// JSON.
func (d *decoder) skipNested() error {
	a, depth := d.p, 0
	for d.p < len(d.b) {
		switch d.b[d.p] {
		case '"':
			if _, err := d.str(); err != nil {
				return err
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
		d.p++
		if depth == 0 {
			if !json.Valid(d.b[a:d.p]) {
				d.p = a
				return d.fail("invalid nested value")
			}
			return nil
		}
	}
	return d.fail("unterminated object or array")
}

// str decodes the string at p. Without escapes the result is a view of
// the line; with them it is decoded into scratch.
func (d *decoder) str() ([]byte, error) {
	d.p++ // the opening quote
	a, b := d.p, d.b
	p := a
	for p < len(b) && !strStop[b[p]] {
		p++
	}
	d.p = p
	switch {
	case p == len(b):
		return nil, d.fail("unterminated string")
	case b[p] == '"':
		d.p++
		return b[a:p], nil
	case b[p] == '\\':
		return d.escaped(a)
	}
	return nil, d.fail("control character in string")
}

// strStop marks the bytes that end the plain run of a string: the
// closing quote, a backslash, and the control characters JSON forbids.
var strStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// escaped decodes a string holding escapes, from a; p is at the first
// backslash.
func (d *decoder) escaped(a int) ([]byte, error) {
	s0 := len(d.scratch)
	d.scratch = append(d.scratch, d.b[a:d.p]...)
	for d.p < len(d.b) {
		c := d.b[d.p]
		switch {
		case c == '"':
			d.p++
			return d.scratch[s0:len(d.scratch):len(d.scratch)], nil
		case c < 0x20:
			return nil, d.fail("control character in string")
		case c != '\\':
			d.scratch = append(d.scratch, c)
			d.p++
			continue
		}
		if d.p+1 >= len(d.b) {
			break
		}
		e := d.b[d.p+1]
		d.p += 2
		switch e {
		case '"', '\\', '/':
			d.scratch = append(d.scratch, e)
		case 'b':
			d.scratch = append(d.scratch, '\b')
		case 'f':
			d.scratch = append(d.scratch, '\f')
		case 'n':
			d.scratch = append(d.scratch, '\n')
		case 'r':
			d.scratch = append(d.scratch, '\r')
		case 't':
			d.scratch = append(d.scratch, '\t')
		case 'u':
			at := d.p - 2 // errors point at the escape
			r, ok := d.hex4()
			if !ok {
				d.p = at
				return nil, d.fail(`invalid \u escape`)
			}
			if utf16.IsSurrogate(r) {
				var r2 rune = -1
				if d.p+1 < len(d.b) && d.b[d.p] == '\\' && d.b[d.p+1] == 'u' {
					d.p += 2
					r2, ok = d.hex4()
				}
				if r = utf16.DecodeRune(r, r2); !ok || r == utf8.RuneError {
					d.p = at
					return nil, d.fail(`\u escape of an unpaired surrogate`)
				}
			}
			d.scratch = utf8.AppendRune(d.scratch, r)
		default:
			d.p -= 2
			return nil, d.fail("invalid escape %q", d.b[d.p:d.p+2])
		}
	}
	return nil, d.fail("unterminated string")
}

func (d *decoder) hex4() (rune, bool) {
	if len(d.b)-d.p < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.b[d.p : d.p+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	d.p += 4
	return r, true
}
