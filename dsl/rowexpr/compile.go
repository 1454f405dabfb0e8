package rowexpr

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"github.com/hashicorp/hcl/v2"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
)

// Limits set explicitly on every program.
const (
	// MaxNodes bounds the size of one expression's syntax tree.
	MaxNodes = 2000
	// MaxTextLen bounds one expression's text, checked before parsing.
	MaxTextLen = 16 << 10
	// MaxNesting bounds brackets open at once, checked before parsing.
	MaxNesting = 48
	// MemoryBudget bounds what one evaluation may allocate (expr's unit:
	// roughly elements of the collections it builds).
	MemoryBudget = 1 << 20
)

// Program is one compiled expression with its result type.
type Program struct {
	Prog *vm.Program
	Type Type
}

// Assign computes one field.
type Assign struct {
	Field string
	Program
}

// Stage is one compiled transform.
type Stage struct {
	Name    string
	Project bool     // fields: only Assigns leave the stage
	Assign  []Assign // fields, then set, in order
	Drop    []string
	Out     []Field // the fields leaving the stage
}

// Pipeline is a pipeline's compiled row logic.
type Pipeline struct {
	Input    []Field
	Criteria *Program // nil: every record is selected
	Stages   []Stage
	Output   []Field // what reaches the sink
	Key      string  // the output field holding the sink key
	KeyIndex int
}

// Options carries what compilation needs beyond the pipeline.
type Options struct {
	// Sink describes the sink; nil skips the sink checks.
	Sink *sdk.SinkInfo
	// Now is the plan's time, returned by now().
	Now time.Time
}

// Compile type-checks and compiles p's criteria and transforms against the
// source fields. It reports every problem, not just the first.
func Compile(p *dsl.Pipeline, input []Field, opts Options) (*Pipeline, hcl.Diagnostics) {
	c := &compiler{now: opts.Now, pipeline: p.Name}
	out := &Pipeline{Input: input, KeyIndex: -1}
	if p.Criteria != nil {
		prog, ok := c.compile(p.Criteria, input, "criteria", true)
		if ok {
			out.Criteria = prog
		}
	}
	fields := input
	// from locates the transform field producing each field; a field
	// absent from it comes from the source unchanged.
	from := map[string]hcl.Range{}
	for _, t := range p.Transforms {
		st := Stage{Name: t.Name, Project: t.HasFields}
		var next []Field
		if t.HasFields {
			from = map[string]hcl.Range{}
		} else {
			next = append(next, fields...)
		}
		for _, group := range [][]*dsl.FieldExpr{t.Fields, t.Set} {
			for _, fe := range group {
				prog, ok := c.compile(fe.Expr, fields, fmt.Sprintf("field %q of transform %q", fe.Name, t.Name), false)
				typ := Any
				if ok {
					st.Assign = append(st.Assign, Assign{Field: fe.Name, Program: *prog})
					typ = prog.Type
				}
				next = setField(next, Field{Name: fe.Name, Type: typ})
				from[fe.Name] = fe.NameRange
			}
		}
		for _, name := range t.Drop {
			i := indexOf(next, name)
			if i < 0 {
				c.errorf(t.DropRange, "Unknown field in drop", "The transform %q drops %q, which is not among its fields.%s Drop names a field of the previous stage or of this transform's fields.", t.Name, name, dsl.DidYouMean(name, names(next)))
				continue
			}
			next = append(next[:i:i], next[i+1:]...)
			st.Drop = append(st.Drop, name)
			delete(from, name)
		}
		st.Out = next
		out.Stages = append(out.Stages, st)
		fields = next
	}
	out.Output = fields
	if p.Incomplete {
		// Part of the pipeline did not decode (its error was reported):
		// what reaches the sink is not known, so it is not checked.
		return out, c.diags
	}
	if p.Sink != nil && p.Sink.Key != "" {
		c.checkKey(p, out, opts.Sink)
	}
	if p.Sink != nil && opts.Sink != nil && !opts.Sink.OpenFields {
		c.checkSinkFields(p, out.Output, from, opts.Sink)
	}
	return out, c.diags
}

// checkSinkFields reports the fields reaching the sink that it does not
// have: each one a transform produces at its name, and those passed on
// from the source together, at the last transform.
func (c *compiler) checkSinkFields(p *dsl.Pipeline, output []Field, from map[string]hcl.Range, sink *sdk.SinkInfo) {
	known := make([]string, len(sink.Fields))
	for i, f := range sink.Fields {
		known[i] = f.Name
	}
	var passed, hints []string
	for _, f := range output {
		if contains(known, f.Name) {
			continue
		}
		if rng, ok := from[f.Name]; ok {
			c.errorf(rng, "Unknown sink field", "The transform produces %q, which the sink does not have.%s `sluice fields -pipeline %s` lists the sink's fields.", f.Name, dsl.DidYouMean(f.Name, known), p.Name)
			continue
		}
		passed = append(passed, fmt.Sprintf("%q", f.Name))
		if s := dsl.Suggest(f.Name, known); s != "" {
			hints = append(hints, fmt.Sprintf("%q for %q", s, f.Name))
		}
	}
	if len(passed) == 0 {
		return
	}
	hint := ""
	if len(hints) > 0 {
		hint = " Did you mean " + strings.Join(hints, ", ") + "?"
	}
	c.errorf(lastTransformRange(p), "Unknown sink field", "The source's fields %s reach the sink, which does not have them.%s List what the sink takes in a transform's fields = { ... } (only those leave it), or drop the others. `sluice fields -pipeline %s` lists the sink's fields.", strings.Join(passed, ", "), hint, p.Name)
}

func (c *compiler) checkKey(p *dsl.Pipeline, out *Pipeline, sink *sdk.SinkInfo) {
	key := p.Sink.Key
	producer := "the source"
	if len(p.Transforms) > 0 {
		producer = "the transforms"
	}
	i := indexOf(out.Output, key)
	if i < 0 {
		c.errorf(p.Sink.KeyRange, "Key not produced", "The sink's key is %q, but no field of that name leaves %s.%s Add it to a transform, e.g. \"%s\" = \"lower(trim(Email))\".", key, producer, dsl.DidYouMean(key, names(out.Output)), key)
		return
	}
	out.Key, out.KeyIndex = key, i
	t := out.Output[i].Type
	switch {
	case sink != nil && sink.KeyKind == sdk.KeyEmail && t != String && t != Any:
		c.errorf(p.Sink.KeyRange, "Key has the wrong type", "The sink's key %q must be an email address (a string), but it is %s. Map an email field to it, e.g. \"%s\" = \"lower(trim(Email))\".", key, t.article(), key)
	case t != String && t != Any && t != Int:
		c.errorf(p.Sink.KeyRange, "Key has the wrong type", "The sink's key %q must be a string or an int, but it is %s. Convert it in a transform, e.g. string(...).", key, t.article())
	}
}

func lastTransformRange(p *dsl.Pipeline) hcl.Range {
	if n := len(p.Transforms); n > 0 {
		return p.Transforms[n-1].DeclRange
	}
	return p.Sink.DeclRange
}

type compiler struct {
	now      time.Time
	pipeline string // for the hints naming `sluice fields -pipeline`
	diags    hcl.Diagnostics
}

func (c *compiler) errorf(rng hcl.Range, summary, detail string, args ...any) {
	r := rng
	c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: &r})
}

// Env builds the checker's environment for fields.
func Env(fields []Field) map[string]any {
	env := make(map[string]any, len(fields))
	for _, f := range fields {
		env[f.Name] = f.Type.zero()
	}
	return env
}

// options returns the expr options every row expression is compiled with.
func (c *compiler) options(fields []Field) []expr.Option {
	return append(Functions(c.now),
		expr.Env(Env(fields)),
		expr.MaxNodes(MaxNodes),
	)
}

// Functions returns the functions available beyond expr's built-ins.
// now() returns the given time, fixed for one run.
func Functions(now time.Time) []expr.Option {
	return []expr.Option{
		expr.Function("email_valid", func(params ...any) (any, error) {
			s, _ := params[0].(string)
			return sdk.EmailValid(s), nil
		}, new(func(string) bool)),
		expr.Function("coalesce", func(params ...any) (any, error) {
			for _, p := range params {
				if p != nil {
					if s, ok := p.(string); !ok || s != "" {
						return p, nil
					}
				}
			}
			return nil, nil
		}),
		expr.Function("now", func(params ...any) (any, error) {
			return now, nil
		}, new(func() time.Time)),
	}
}

var unknownName = regexp.MustCompile(`^unknown name (.+)$`)

func (c *compiler) compile(e *dsl.Expr, fields []Field, what string, wantBool bool) (*Program, bool) {
	if len(e.Text) > MaxTextLen {
		c.errorf(e.Range, "Expression too long", "The %s is %d bytes long; an expression may be at most %d. Split it over several transform fields.", what, len(e.Text), MaxTextLen)
		return nil, false
	}
	if off := nestingOverflow(e.Text); off >= 0 {
		c.errorf(e.RangeAt(off, off+1), "Expression nested too deeply", "The %s nests brackets more than %d deep; simplify it.", what, MaxNesting)
		return nil, false
	}
	if strings.TrimSpace(e.Text) == "" {
		c.errorf(e.Range, "Empty expression", "The %s is empty; write an expression such as \"Email\" or \"'constant'\".", what)
		return nil, false
	}
	opts := c.options(fields)
	if wantBool {
		opts = append(opts, expr.AsBool())
	}
	prog, err := compileSafe(e.Text, opts)
	if err != nil {
		c.exprError(e, fields, what, err)
		return nil, false
	}
	return &Program{Prog: prog, Type: fromReflect(prog.Node().Type())}, true
}

// compileSafe runs expr.Compile, turning a panic inside it into an error:
// hostile input must never crash the process.
func compileSafe(text string, opts []expr.Option) (prog *vm.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			prog, err = nil, fmt.Errorf("cannot compile this expression (%v)", r)
		}
	}()
	return expr.Compile(text, opts...)
}

// functionNames lists the functions an expression may call.
func functionNames() []string {
	return append([]string{"email_valid", "coalesce", "now"}, builtin.Names...)
}

func (c *compiler) exprError(e *dsl.Expr, fields []Field, what string, err error) {
	msg := err.Error()
	rng := e.Range
	var fe *file.Error
	if errors.As(err, &fe) {
		msg = strings.TrimSpace(fe.Message)
		rng = e.RangeAt(fe.From, fe.To)
	}
	summary := "Invalid expression"
	detail := fmt.Sprintf("The %s does not compile: %s. Check its brackets and quotes; a literal is quoted inside the string: 'New'.", what, msg)
	switch {
	case strings.HasPrefix(msg, "expected bool"):
		summary = "Criteria is not a bool"
		detail = fmt.Sprintf("The criteria must be true or false for each record, but this expression gives %s. Compare it, e.g. Status == 'New'.", strings.TrimPrefix(msg, "expected bool, but got "))
		rng = e.Range
	case unknownName.MatchString(msg):
		name := unknownName.FindStringSubmatch(msg)[1]
		if fe != nil {
			rng = nameRange(e, fe.From, fe.To, name)
		}
		if fe != nil && followedByCall(e.Text, fe.To) {
			summary = "Unknown function"
			detail = fmt.Sprintf("The %s calls %q, which is not a function.%s Besides expr's built-ins (lower, trim, upper, split, ...) there are email_valid, coalesce and now.", what, name, dsl.DidYouMean(name, functionNames()))
			break
		}
		summary = "Unknown field"
		detail = fmt.Sprintf("The %s uses %q, which is not a field here.%s `sluice fields -pipeline %s` lists the fields; a name with spaces is written $env['Contact Email'].", what, name, dsl.DidYouMean(name, names(fields)), c.pipeline)
	case strings.Contains(msg, "mismatched types") || strings.Contains(msg, "invalid operation") || strings.Contains(msg, "cannot use") || strings.Contains(msg, "not enough arguments") || strings.Contains(msg, "too many arguments"):
		summary = "Type mismatch"
		detail = fmt.Sprintf("The %s does not type-check: %s. Convert a value first (string(x), int(x), float(x)) or use a field of the right type; `sluice fields -pipeline %s` lists the fields with their types.", what, msg, c.pipeline)
	}
	c.errorf(rng, summary, "%s", detail)
}

// nameRange narrows an unknown-name error to the name itself: expr points
// at the bracket of $env['Contact Email'].
func nameRange(e *dsl.Expr, from, to int, name string) hcl.Range {
	r := []rune(e.Text)
	if from >= 0 && from+2 < len(r) && r[from] == '[' && (r[from+1] == '\'' || r[from+1] == '"') {
		n := len([]rune(name))
		return e.RangeAt(from+2, from+2+n)
	}
	return e.RangeAt(from, to)
}

// followedByCall reports whether the rune offset to of text is followed,
// past spaces, by an opening parenthesis.
func followedByCall(text string, to int) bool {
	r := []rune(text)
	for i := to; i >= 0 && i < len(r); i++ {
		switch r[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case '(':
			return true
		}
		return false
	}
	return false
}

// nestingOverflow returns the offset (in runes) of the first bracket
// nested deeper than MaxNesting, or -1.
func nestingOverflow(s string) int {
	depth, i := 0, 0
	for _, r := range s {
		switch r {
		case '(', '[', '{':
			depth++
			if depth > MaxNesting {
				return i
			}
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		}
		i++
	}
	return -1
}

func setField(fields []Field, f Field) []Field {
	if i := indexOf(fields, f.Name); i >= 0 {
		fields[i] = f
		return fields
	}
	return append(fields, f)
}

func indexOf(fields []Field, name string) int {
	for i, f := range fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

func names(fields []Field) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.Name
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
