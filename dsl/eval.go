package dsl

import (
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// VarEnvPrefix is the prefix of environment variables setting variables.
const VarEnvPrefix = "SLUICE_VAR_"

// MaxReadFile bounds what file() reads.
const MaxReadFile = 1 << 20

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"}, {Name: "default"}, {Name: "description"}, {Name: "sensitive"},
	},
}

func (d *decoder) decodeVariable(b *hcl.Block) {
	name := b.Labels[0]
	if prev, dup := d.cfg.Variables[name]; dup {
		d.duplicate("variable", name, prev.DeclRange, b.DefRange)
		return
	}
	if !hclsyntax.ValidIdentifier(name) {
		d.errorf(b.LabelRanges[0], "Invalid variable name", "A variable name must start with a letter and contain only letters, digits, underscores and dashes.")
		return
	}
	content, diags := d.content(b.Body, variableSchema)
	d.add(diags...)
	v := &Variable{Name: name, Type: cty.DynamicPseudoType, Default: cty.NilVal, DeclRange: b.DefRange}
	if a := content.Attributes["type"]; a != nil {
		t, diags := typeexpr.TypeConstraint(a.Expr)
		for _, dg := range diags {
			dg.Detail += " A type is string, number, bool, list(string), map(string) or any."
		}
		d.add(diags...)
		if !diags.HasErrors() {
			v.Type = t
		}
	}
	if a := content.Attributes["description"]; a != nil {
		v.Description, _ = d.staticString(a)
	}
	if a := content.Attributes["sensitive"]; a != nil {
		v.Sensitive, _ = d.staticBool(a)
	}
	badDefault := false
	if a := content.Attributes["default"]; a != nil {
		val, diags := a.Expr.Value(nil)
		d.add(diags...)
		badDefault = diags.HasErrors()
		if !diags.HasErrors() {
			cv, err := convert.Convert(val, v.Type)
			if err != nil {
				badDefault = true
				d.errorf(a.Expr.Range(), "Invalid default value for variable", "The default value does not match the variable's type %s: %s. Change the default or the type.", v.Type.FriendlyName(), err)
			} else {
				v.Default = cv
			}
		}
	}
	d.cfg.Variables[name] = v
	v.Value = v.Default
	if badDefault {
		// Its error was reported; an unknown value silences the uses.
		v.Value = cty.UnknownVal(v.Type)
	}

	// -var wins over SLUICE_VAR_name, which wins over the default.
	if raw, ok := d.opts.Getenv(VarEnvPrefix + name); ok {
		d.setVar(v, raw, VarEnvPrefix+name)
	}
	for _, kv := range d.opts.Vars {
		k, raw, _ := strings.Cut(kv, "=")
		if k == name {
			d.setVar(v, raw, "-var "+name)
		}
	}
	if v.Value == cty.NilVal {
		d.errorf(b.DefRange, "No value for required variable",
			"The variable %q has no default. Set it with -var %s=VALUE or the environment variable %s%s.", name, name, VarEnvPrefix, name)
		v.Value = cty.UnknownVal(v.Type)
	}
}

// setVar parses a value given on the command line or in the environment:
// as a plain string for string variables, as an HCL expression otherwise.
// The value is never shown: the variable may be sensitive.
func (d *decoder) setVar(v *Variable, raw, origin string) {
	bad := func(why string) {
		d.errorf(v.DeclRange, "Invalid value for variable", "The value given by %s for %q %s. A %s is written as in a file, e.g. 42, true or [\"a\", \"b\"].", origin, v.Name, why, v.Type.FriendlyName())
		v.Value = cty.UnknownVal(v.Type) // silences its uses
	}
	var val cty.Value
	if v.Type == cty.String || v.Type == cty.DynamicPseudoType {
		val = cty.StringVal(raw)
	} else {
		if len(raw) > MaxReadFile {
			bad("is too long")
			return
		}
		if diags := checkBounds(origin, []byte(raw)); diags.HasErrors() {
			bad("is not a valid expression")
			return
		}
		expr, diags := hclsyntax.ParseExpression([]byte(raw), origin, hcl.InitialPos)
		if diags.HasErrors() {
			bad("is not a valid expression")
			return
		}
		var vd hcl.Diagnostics
		val, vd = expr.Value(nil)
		if vd.HasErrors() {
			bad("cannot be evaluated")
			return
		}
	}
	cv, err := convert.Convert(val, v.Type)
	if err != nil {
		bad(fmt.Sprintf("does not match its type %s: %s", v.Type.FriendlyName(), err))
		return
	}
	v.Value = cv
}

// checkUnknownVars reports -var assignments to undeclared variables.
func (d *decoder) checkUnknownVars() {
	names := sortedKeys(d.cfg.Variables)
	for _, kv := range d.opts.Vars {
		k, _, ok := strings.Cut(kv, "=")
		if !ok {
			// The option is not shown: it may be a value typed alone.
			d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid -var option",
				Detail: "A -var option is not of the form name=value; write -var name=value."})
			continue
		}
		if _, declared := d.cfg.Variables[k]; !declared {
			d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Value for undeclared variable",
				Detail: fmt.Sprintf("-var sets %q, which no variable block declares.%s", k, DidYouMean(k, names))})
		}
	}
}

func (d *decoder) evalContext() *hcl.EvalContext {
	vars := map[string]cty.Value{}
	for name, v := range d.cfg.Variables {
		val := v.Value
		if v.Sensitive {
			val = val.Mark(sensitiveMark)
		}
		vars[name] = val
	}
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)},
		Functions: map[string]function.Function{
			"env":  d.envFunc(),
			"file": fileFunc,
		},
	}
}

// sensitiveMark marks cty values that must never be shown.
const sensitiveMark = "sensitive"

func (d *decoder) envFunc() function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "name", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			v, _ := d.opts.Getenv(args[0].AsString())
			return cty.StringVal(v), nil
		},
	})
}

// fileFunc reads a text file. A sensitive path is never shown in its
// errors, and the content of a file named by one is sensitive too.
var fileFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "path", Type: cty.String, AllowMarked: true}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		arg, marks := args[0].Unmark()
		path := arg.AsString()
		shown := path
		if len(marks) > 0 {
			shown = "the file (its path is sensitive)"
		}
		st, err := os.Stat(path)
		if err != nil {
			if len(marks) > 0 {
				return cty.NilVal, fmt.Errorf("cannot read %s", shown)
			}
			return cty.NilVal, fmt.Errorf("cannot read %s: %w", shown, err)
		}
		if !st.Mode().IsRegular() {
			// A directory, a device or a pipe: reading it may never end.
			return cty.NilVal, fmt.Errorf("%s is not a regular file", shown)
		}
		if st.Size() > MaxReadFile {
			return cty.NilVal, fmt.Errorf("%s is larger than %d bytes", shown, MaxReadFile)
		}
		b, err := readAtMost(path, MaxReadFile)
		if err != nil {
			return cty.NilVal, fmt.Errorf("cannot read %s", shown)
		}
		if len(b) > MaxReadFile {
			return cty.NilVal, fmt.Errorf("%s is larger than %d bytes", shown, MaxReadFile)
		}
		if !utf8.Valid(b) {
			return cty.NilVal, fmt.Errorf("%s is not valid UTF-8 text", shown)
		}
		return cty.StringVal(string(b)).WithMarks(marks), nil
	},
})

// eval evaluates expr in the configuration's context. A reference to an
// undeclared variable is reported as such, with the declared names, rather
// than as HCL's missing attribute of an object. The value keeps its
// sensitive mark.
func (d *decoder) eval(expr hcl.Expression) (cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	for _, tr := range expr.Variables() {
		if root := tr.RootName(); root != "var" {
			rng := tr.SourceRange()
			hint := " Variables are written var.NAME."
			switch {
			case d.cfg.Variables[root] != nil:
				hint = fmt.Sprintf(" Did you mean var.%s?", root)
			case root == "connection":
				hint = " A connection is named only by the connection argument of a source or sink."
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown variable",
				Detail:   fmt.Sprintf("There is no variable named %q.%s", root, hint),
				Subject:  &rng,
			})
			continue
		}
		if len(tr) < 2 {
			continue
		}
		var name string
		switch step := tr[1].(type) {
		case hcl.TraverseAttr:
			name = step.Name
		case hcl.TraverseIndex:
			if step.Key.Type() != cty.String || !step.Key.IsKnown() || step.Key.IsNull() {
				continue
			}
			name = step.Key.AsString()
		default:
			continue
		}
		if _, ok := d.cfg.Variables[name]; ok {
			continue
		}
		rng := tr.SourceRange()
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Reference to undeclared variable",
			Detail:   fmt.Sprintf("No variable named %q is declared.%s Declare it with a variable %q { } block.", name, DidYouMean(name, sortedKeys(d.cfg.Variables)), name),
			Subject:  &rng,
		})
	}
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	return expr.Value(d.ctx)
}

// evalPublic evaluates expr for anything but a connection setting and
// returns the value unmarked. A sensitive value is refused: outside the
// settings every value may be shown, in plans and in diagnostics.
func (d *decoder) evalPublic(expr hcl.Expression, what string) (cty.Value, bool) {
	val, diags := d.eval(expr)
	d.add(diags...)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	if val.ContainsMarked() {
		d.errorf(expr.Range(), "Sensitive value not allowed here", "%s is given a sensitive value, which would be shown in plans and diagnostics. Sensitive values belong in a connection's settings only.", what)
		return cty.NilVal, false
	}
	if !val.IsWhollyKnown() {
		d.unknown++
	}
	return val, true
}

// value evaluates an attribute and converts it to want. It reports
// problems without ever showing a sensitive value.
func (d *decoder) value(a *hcl.Attribute, want cty.Type) (cty.Value, bool) {
	val, ok := d.evalPublic(a.Expr, fmt.Sprintf("The argument %q", a.Name))
	if !ok {
		return cty.NilVal, false
	}
	if !val.IsWhollyKnown() {
		return cty.NilVal, false // an earlier error already said why
	}
	if val.IsNull() {
		d.errorf(a.Expr.Range(), "Invalid value", "The argument %q must not be null.", a.Name)
		return cty.NilVal, false
	}
	cv, err := convert.Convert(val, want)
	if err != nil {
		d.errorf(a.Expr.Range(), "Incorrect attribute value type", "The argument %q must be a %s, not %s.", a.Name, want.FriendlyName(), typeName(val.Type()))
		return cty.NilVal, false
	}
	return cv, true
}

func (d *decoder) str(a *hcl.Attribute) (string, bool) {
	v, ok := d.value(a, cty.String)
	if !ok {
		return "", false
	}
	return v.AsString(), true
}

func (d *decoder) boolean(a *hcl.Attribute) (bool, bool) {
	v, ok := d.value(a, cty.Bool)
	if !ok {
		return false, false
	}
	return v.True(), true
}

// integer reads a whole number within [min, max].
func (d *decoder) integer(a *hcl.Attribute, min, max int64) (int64, bool) {
	v, ok := d.value(a, cty.Number)
	if !ok {
		return 0, false
	}
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		d.errorf(a.Expr.Range(), "Invalid value", "The argument %q must be a whole number.", a.Name)
		return 0, false
	}
	n, _ := bf.Int64()
	if n < min || n > max || !bf.IsInt() {
		if max == 1<<62 {
			d.errorf(a.Expr.Range(), "Value out of range", "The argument %q must be at least %d.", a.Name, min)
		} else {
			d.errorf(a.Expr.Range(), "Value out of range", "The argument %q must be between %d and %d.", a.Name, min, max)
		}
		return 0, false
	}
	return n, true
}

// enum reads a string that must be one of names.
func (d *decoder) enum(a *hcl.Attribute, names ...string) (string, bool) {
	s, ok := d.str(a)
	if !ok {
		return "", false
	}
	for _, n := range names {
		if s == n {
			return s, true
		}
	}
	d.errorf(a.Expr.Range(), "Invalid value for "+a.Name, "%q is not one of %s.%s", s, quoteList(names), DidYouMean(s, names))
	return "", false
}

func (d *decoder) staticString(a *hcl.Attribute) (string, bool) { return d.str(a) }
func (d *decoder) staticBool(a *hcl.Attribute) (bool, bool)     { return d.boolean(a) }

// typeName names a value's type for a user, with an article: HCL's
// tuples and objects are written as lists and objects.
func typeName(t cty.Type) string {
	switch {
	case t.IsTupleType() || t.IsListType() || t.IsSetType():
		return "a list"
	case t.IsObjectType() || t.IsMapType():
		return "an object"
	}
	return "a " + t.FriendlyName()
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// reference reads an attribute that must be a reference such as
// connection.recruit and returns the name it refers to.
func (d *decoder) reference(a *hcl.Attribute, kind string) (string, bool) {
	tr, diags := hcl.AbsTraversalForExpr(a.Expr)
	if diags.HasErrors() || len(tr) != 2 || tr.RootName() != kind {
		d.errorf(a.Expr.Range(), "Invalid reference", "The argument %q must be a reference such as %s.NAME, written without quotes.", a.Name, kind)
		return "", false
	}
	step, ok := tr[1].(hcl.TraverseAttr)
	if !ok {
		d.errorf(a.Expr.Range(), "Invalid reference", "The argument %q must be a reference such as %s.NAME.", a.Name, kind)
		return "", false
	}
	return step.Name, true
}
