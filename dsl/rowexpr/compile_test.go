package rowexpr_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/dsl/rowexpr"
)

// fields is the fixed source the tests compile against.
var fields = []rowexpr.Field{
	{Name: "id", Type: rowexpr.String},
	{Name: "Email", Type: rowexpr.String},
	{Name: "City", Type: rowexpr.String},
	{Name: "Experience_in_Years", Type: rowexpr.Int},
	{Name: "Expected_Salary", Type: rowexpr.Float},
	{Name: "Email_Opt_Out", Type: rowexpr.Bool},
	{Name: "Skill_Set", Type: rowexpr.StringList},
	{Name: "Modified_Time", Type: rowexpr.Time},
	{Name: "Contact Email", Type: rowexpr.String},
	{Name: "ok", Type: rowexpr.Bool},
}

var sink = &sdk.SinkInfo{KeyKind: sdk.KeyEmail, OpenFields: true}

var rng = hcl.Range{Filename: "p.hcl", Start: hcl.Pos{Line: 3, Column: 14, Byte: 40}, End: hcl.Pos{Line: 3, Column: 30, Byte: 56}}

// pipeline returns a pipeline whose criteria and one transform field are
// text.
func pipeline(criteria, field string) *dsl.Pipeline {
	p := &dsl.Pipeline{
		Name: "p",
		Sink: &dsl.Sink{Key: "Contact Email", KeyRange: rng, DeclRange: rng},
	}
	if criteria != "" {
		p.Criteria = &dsl.Expr{Text: criteria, Range: rng}
	}
	if field != "" {
		p.Transforms = []*dsl.Transform{{
			Name:      "t",
			Set:       []*dsl.FieldExpr{{Name: "Out", NameRange: rng, Expr: &dsl.Expr{Text: field, Range: rng}}},
			DeclRange: rng,
		}}
	}
	return p
}

func compile(criteria, field string) (*rowexpr.Pipeline, hcl.Diagnostics) {
	return rowexpr.Compile(pipeline(criteria, field), fields, rowexpr.Options{Sink: sink, Now: time.Unix(0, 0)})
}

// TestCompileRefuses checks that expressions too large or too deep for
// the compiler are refused with a diagnostic, quickly and without a crash.
func TestCompileRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"100000 brackets", strings.Repeat("(", 100000), "Expression too long"},
		{"deep brackets", strings.Repeat("(", rowexpr.MaxNesting+1) + "true" + strings.Repeat(")", rowexpr.MaxNesting+1), "Expression nested too deeply"},
		{"deep lists", strings.Repeat("[", rowexpr.MaxNesting+1), "Expression nested too deeply"},
		{"long", "Email == '" + strings.Repeat("x", rowexpr.MaxTextLen) + "'", "Expression too long"},
		{"many nodes", strings.Repeat("ok||", rowexpr.MaxNodes) + "ok", "Invalid expression"},
		{"many negations", strings.Repeat("!", rowexpr.MaxTextLen-10) + "true", "Invalid expression"},
		{"empty", " \n\t", "Empty expression"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := compile(tc.text, "")
			if len(diags) != 1 || diags[0].Summary != tc.want {
				t.Fatalf("got %v, want one %q", diags, tc.want)
			}
			if diags[0].Subject == nil || diags[0].Subject.Filename != "p.hcl" {
				t.Errorf("subject %v is not in the file", diags[0].Subject)
			}
		})
	}
}

// TestCompileTypes checks what each kind of mistake is reported as, and
// the types of the fields a transform produces.
func TestCompileTypes(t *testing.T) {
	for _, tc := range []struct {
		name, criteria, field string
		want                  []string
		out                   rowexpr.Type
	}{
		{name: "valid", criteria: "Experience_in_Years >= 2 && 'Go' in Skill_Set", field: "lower(trim(Email))", out: rowexpr.String},
		{name: "now", field: "now().Year() - Modified_Time.Year()", out: rowexpr.Int},
		{name: "coalesce", field: "coalesce(City, 'x')", out: rowexpr.Any},
		{name: "email_valid", criteria: "email_valid(Email)", field: "Expected_Salary * 2", out: rowexpr.Float},
		{name: "not bool", criteria: "Experience_in_Years", want: []string{"Criteria is not a bool"}},
		{name: "unknown field", criteria: "Cty == 'x'", want: []string{"Unknown field"}},
		{name: "unknown function", field: "lowr(Email)", want: []string{"Unknown function"}},
		{name: "mismatch", field: "City + Experience_in_Years", want: []string{"Type mismatch"}},
		{name: "argument", field: "lower(Experience_in_Years)", want: []string{"Type mismatch"}},
		{name: "syntax", criteria: "City == ", want: []string{"Invalid expression"}},
		{name: "both", criteria: "Cty == 'x'", field: "City +", want: []string{"Unknown field", "Invalid expression"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prog, diags := compile(tc.criteria, tc.field)
			var got []string
			for _, d := range diags {
				got = append(got, d.Summary)
				if d.Detail == "" || d.Subject == nil {
					t.Errorf("%q has no detail or subject", d.Summary)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if len(tc.want) == 0 && tc.field != "" {
				out := prog.Stages[0].Out
				if last := out[len(out)-1]; last.Name != "Out" || last.Type != tc.out {
					t.Errorf("Out = %v, want %v", last, tc.out)
				}
			}
		})
	}
}

// FuzzCompile compiles arbitrary text as a criteria and as a transform
// field against a fixed source. It must never panic or hang.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"Candidate_Status in ['New', 'In-review'] && Experience_in_Years >= 2",
		"lower(trim(Email))",
		"$env['Contact Email']",
		"coalesce(City, Email, '')",
		"email_valid(Email ?? '') && !(Email_Opt_Out ?? false)",
		"'Go' in (Skill_Set ?? []) || Expected_Salary > 1000.5",
		"now().Sub(Modified_Time).Hours() < 24",
		"City matches '^T.*o$'",
		"map(Skill_Set, lower(#))",
		"filter(Skill_Set, len(#) > 2)[0]",
		"let x = Experience_in_Years; x * x > 4",
		"Experience_in_Years > 2 ? 'senior' : 'junior'",
		"City?.Name",
		"1..10 | sum()",
		"{'a': 1}.a",
		"`raw` + \"dq\"",
		"// comment\ntrue",
		"/* unterminated",
		"Email == 'a\\u00e9'",
		"((((((((((true))))))))))",
		"",
		"\x00\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		compile(text, "")
		compile("", text)
	})
}
