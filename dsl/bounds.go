package dsl

import (
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Bounds on input accepted before parsing.
const (
	MaxFileSize = 1 << 20 // bytes per file: hundreds of pipelines
	MaxNesting  = 64      // nesting depth of one expression, see checkBounds
	MaxFiles    = 1000    // files per directory
	// MaxTemplateParts bounds the lines of a heredoc and the parts
	// (literals, escapes, interpolations) of one string: HCL joins them in
	// time quadratic in their number.
	MaxTemplateParts = 4096
)

// checkBounds refuses a file too large or too deeply nested to parse
// safely. HCL's parser and evaluator recurse once per level of an
// expression, and a few megabytes of `[`, `!` or `1 + 1 + ...` overflow
// the stack, which no recover can catch; chains of operators also take
// time quadratic in their length. So the file is lexed first (the lexer
// does not recurse) and its depth measured on the tokens: each open
// bracket, string or template directive counts one level, and so does
// each operator, index or call within one item (an attribute's value, a
// list element, an argument) as the parser nests those too.
func checkBounds(name string, src []byte) hcl.Diagnostics {
	if len(src) > MaxFileSize {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "File too large",
			Detail:   fmt.Sprintf("%s is more than %d bytes long, the most a pipeline file may be. Split it into several files in one directory.", name, MaxFileSize),
			Subject:  &hcl.Range{Filename: name, Start: hcl.InitialPos, End: hcl.InitialPos},
		}}
	}
	if !utf8.Valid(src) {
		pos := invalidUTF8(src)
		end := hcl.Pos{Line: pos.Line, Column: pos.Column + 1, Byte: pos.Byte + 1}
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid character encoding",
			Detail:   "This byte is not part of a UTF-8 character. Pipeline files are UTF-8 text: save the file as UTF-8.",
			Subject:  &hcl.Range{Filename: name, Start: pos, End: end},
		}}
	}
	tokens, _ := hclsyntax.LexConfig(src, name, hcl.InitialPos)
	type frame struct {
		open  hclsyntax.TokenType
		ops   int // operators, indexes and calls in the current item
		parts int // tokens directly inside a string or heredoc
	}
	stack := []frame{{open: hclsyntax.TokenOBrace}} // the file's body
	depth := 0                                      // open frames (but the file's) plus their ops
	prev := hclsyntax.TokenNewline
	for _, tok := range tokens {
		top := &stack[len(stack)-1]
		if top.open == hclsyntax.TokenOQuote || top.open == hclsyntax.TokenOHeredoc {
			top.parts++
			if top.parts > MaxTemplateParts {
				rng := tok.Range
				return hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "String too long",
					Detail:   fmt.Sprintf("This string or heredoc has more than %d lines or parts. Pipeline files never need this much; read long text with file(\"PATH\") instead.", MaxTemplateParts),
					Subject:  &rng,
				}}
			}
		}
		switch tok.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen,
			hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			switch prev {
			case hclsyntax.TokenIdent, hclsyntax.TokenCBrack, hclsyntax.TokenCParen,
				hclsyntax.TokenCBrace, hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc:
				// An index or a call applies to what precedes it.
				top.ops++
				depth++
			}
			if tok.Type == hclsyntax.TokenTemplateControl {
				// %{if} and %{for} nest until their %{end...}.
				top.ops++
				depth++
			}
			stack = append(stack, frame{open: tok.Type})
			depth++
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen,
			hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
			if len(stack) > 1 {
				depth -= 1 + top.ops
				stack = stack[:len(stack)-1]
			}
		case hclsyntax.TokenBang, hclsyntax.TokenMinus, hclsyntax.TokenPlus,
			hclsyntax.TokenStar, hclsyntax.TokenSlash, hclsyntax.TokenPercent,
			hclsyntax.TokenAnd, hclsyntax.TokenOr, hclsyntax.TokenEqualOp, hclsyntax.TokenNotEqual,
			hclsyntax.TokenLessThan, hclsyntax.TokenLessThanEq,
			hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq,
			hclsyntax.TokenQuestion, hclsyntax.TokenDot, hclsyntax.TokenEllipsis:
			top.ops++
			depth++
		case hclsyntax.TokenComma, hclsyntax.TokenEqual:
			depth -= top.ops
			top.ops = 0
		case hclsyntax.TokenNewline:
			if top.open == hclsyntax.TokenOBrace {
				depth -= top.ops
				top.ops = 0
			}
		}
		prev = tok.Type
		if depth > MaxNesting {
			rng := tok.Range
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Nesting too deep",
				Detail:   fmt.Sprintf("This expression nests brackets, operators or indexes more than %d deep. Pipeline files never need this much; flatten the expression or split it.", MaxNesting),
				Subject:  &rng,
			}}
		}
	}
	return nil
}

// invalidUTF8 returns the position of the first byte of src that is not
// part of a UTF-8 character.
func invalidUTF8(src []byte) hcl.Pos {
	pos := hcl.InitialPos
	for len(src) > 0 {
		r, size := utf8.DecodeRune(src)
		if r == utf8.RuneError && size <= 1 {
			return pos
		}
		if r == '\n' {
			pos.Line, pos.Column = pos.Line+1, 1
		} else {
			pos.Column++
		}
		pos.Byte += size
		src = src[size:]
	}
	return pos
}
