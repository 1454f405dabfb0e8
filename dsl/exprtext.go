package dsl

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// rowExpr reads an attribute holding a row expression. The text is the
// string's value; when the string is a plain literal the position of each
// of its runes in the file is recorded, so a compile error can point at
// the exact line and column inside the string.
func (d *decoder) rowExpr(expr hcl.Expression, what string) (*Expr, bool) {
	val, ok := d.evalPublic(expr, "The "+what)
	if !ok || !val.IsKnown() {
		return nil, false // an unknown value's error was reported
	}
	if val.IsNull() || !val.IsKnown() || !val.Type().Equals(cty.String) {
		d.errorf(expr.Range(), "Invalid expression", "The %s is an expression written as a string, e.g. \"lower(trim(Email))\"; a literal value needs quotes inside the string: \"'Recruit'\".", what)
		return nil, false
	}
	e := &Expr{Text: val.AsString(), Range: expr.Range()}
	if f := d.cfg.Files[e.Range.Filename]; f != nil {
		e.pos = literalPositions(f.Bytes, expr, e.Text)
	}
	return e, true
}

// literalPositions maps each rune of text to its position in src when
// expr is a quoted string or heredoc literal whose decoding of the raw
// bytes gives text back exactly; otherwise it returns nil.
func literalPositions(src []byte, expr hcl.Expression, text string) []hcl.Pos {
	tmpl, ok := expr.(*hclsyntax.TemplateExpr)
	if !ok {
		return nil
	}
	for _, p := range tmpl.Parts {
		if _, lit := p.(*hclsyntax.LiteralValueExpr); !lit {
			return nil
		}
	}
	rng := expr.Range()
	if rng.Start.Byte < 0 || rng.End.Byte > len(src) || rng.Start.Byte >= rng.End.Byte {
		return nil
	}
	raw := src[rng.Start.Byte:rng.End.Byte]
	pos := rng.Start
	advance := func(b []byte, n int) {
		for i := 0; i < n; {
			r, size := utf8.DecodeRune(b[i:])
			if r == '\n' {
				pos.Line++
				pos.Column = 1
			} else {
				pos.Column++
			}
			pos.Byte += size
			i += size
		}
	}
	var out []hcl.Pos
	var decoded []byte
	emit := func(r rune, at hcl.Pos) {
		out = append(out, at)
		decoded = utf8.AppendRune(decoded, r)
	}
	switch {
	case len(raw) >= 2 && raw[0] == '"':
		advance(raw, 1)
		body := raw[1 : len(raw)-1]
		for i := 0; i < len(body); {
			at := pos
			c := body[i]
			if c == '\\' && i+1 < len(body) {
				var r rune
				n := 2
				switch body[i+1] {
				case 'n':
					r = '\n'
				case 'r':
					r = '\r'
				case 't':
					r = '\t'
				case '"':
					r = '"'
				case '\\':
					r = '\\'
				default:
					return nil // \u escapes and the like: no exact map
				}
				emit(r, at)
				advance(body[i:], n)
				i += n
				continue
			}
			if (c == '$' || c == '%') && i+2 < len(body) && body[i+1] == c && body[i+2] == '{' {
				emit(rune(c), at)
				emit('{', at)
				advance(body[i:], 3)
				i += 3
				continue
			}
			r, size := utf8.DecodeRune(body[i:])
			emit(r, at)
			advance(body[i:], size)
			i += size
		}
	case len(raw) > 2 && raw[0] == '<' && raw[1] == '<':
		// A heredoc: its content starts on the line after the marker and
		// ends before the line of the closing marker. <<-EOT removes the
		// smallest indentation of its non-blank lines from each of them.
		nl := bytes.IndexByte(raw, '\n')
		if nl < 0 {
			return nil
		}
		advance(raw, nl+1)
		lines := bytes.SplitAfter(raw[nl+1:], []byte("\n"))
		lines = lines[:len(lines)-1] // the closing marker's line
		indent := 0
		if raw[2] == '-' {
			indent = flushIndent(lines)
		}
		for _, line := range lines {
			if indent > 0 && !blank(line) {
				n := 0
				for i := 0; i < indent; i++ {
					_, size := utf8.DecodeRune(line[n:])
					n += size
				}
				advance(line, n)
				line = line[n:]
			}
			for i := 0; i < len(line); {
				r, size := utf8.DecodeRune(line[i:])
				emit(r, pos)
				advance(line[i:], size)
				i += size
			}
		}
	default:
		return nil
	}
	if string(decoded) != text {
		return nil
	}
	return out
}

// blank reports whether a heredoc line holds only white space.
func blank(line []byte) bool {
	return len(bytes.TrimLeftFunc(line, unicode.IsSpace)) == 0
}

// flushIndent returns the smallest indentation, in runes, of the
// non-blank lines, as HCL's <<- heredocs remove it.
func flushIndent(lines [][]byte) int {
	least := -1
	for _, line := range lines {
		if blank(line) {
			continue
		}
		n := utf8.RuneCount(line) - utf8.RuneCount(bytes.TrimLeftFunc(line, unicode.IsSpace))
		if least < 0 || n < least {
			least = n
		}
	}
	return max(least, 0)
}
