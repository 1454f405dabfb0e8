package dsl_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// exprHeader declares the connections and opens a pipeline; a case's
// lines follow it from line 14.
const exprHeader = `connection "recruit" {
  connector = "zoho_recruit"
  settings  = { client_id = "i", client_secret = "s", refresh_token = "t" }
}
connection "campaigns" {
  connector = "zoho_campaigns"
  settings  = { client_id = "i", client_secret = "s", refresh_token = "t" }
}
pipeline "p" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
`

const exprFooter = `
  transform "final" {
    fields = { "Contact Email" = "'a@example.com'" }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}
`

// TestExprPositions checks that an error inside a criteria or transform
// string points at its exact line and column in the file: after escapes,
// inside heredocs, past non-ASCII text. Where the string is a template
// with interpolations, the text cannot be mapped back to the file and the
// error points at the start of the string.
func TestExprPositions(t *testing.T) {
	type at struct {
		Summary           string
		Line, Col, EndCol int
	}
	for _, tc := range []struct {
		name  string
		lines string
		want  at
	}{{
		name:  "plain string",
		lines: `  criteria = "Emial != ''"`,
		want:  at{"Unknown field", 14, 15, 20},
	}, {
		name:  "after an escaped quote",
		lines: `  criteria = "City == \"Tokyo\" && Countr == 'JP'"`,
		want:  at{"Unknown field", 14, 36, 42},
	}, {
		name:  "after escaped backslashes and tabs",
		lines: `  criteria = "City == 'a\\b' || City == 'x\ty' || Countr == ''"`,
		want:  at{"Unknown field", 14, 51, 57},
	}, {
		name:  "an escaped newline inside a literal",
		lines: `  criteria = "City == 'x\ny'"`,
		want:  at{"Invalid expression", 14, 25, 26},
	}, {
		name:  "after an escaped interpolation",
		lines: `  criteria = "'$${x}' != Countr"`,
		want:  at{"Unknown field", 14, 26, 32},
	}, {
		name:  "after non-ASCII text",
		lines: `  criteria = "City == 'Ōsaka' && Countr == ''"`,
		want:  at{"Unknown field", 14, 34, 40},
	}, {
		name: "heredoc",
		lines: `  criteria = <<EOT
Candidate_Status == 'New'
  && Experience >= 2
EOT`,
		want: at{"Unknown field", 16, 6, 16},
	}, {
		name: "indented heredoc",
		lines: `  criteria = <<-EOT
    Candidate_Status == 'New'

      && Experience >= 2
    EOT`,
		want: at{"Unknown field", 17, 10, 20},
	}, {
		name: "syntax error on a later line",
		lines: `  criteria = <<EOT
City == 'Tokyo' &&
  (Country == 'JP'
EOT`,
		want: at{"Invalid expression", 16, 19, 20},
	}, {
		name:  "type mismatch",
		lines: `  criteria = "Experience_in_Years > 'two'"`,
		want:  at{"Type mismatch", 14, 35, 36},
	}, {
		name:  "unknown function",
		lines: `  criteria = "email_vaild(Email)"`,
		want:  at{"Unknown function", 14, 15, 26},
	}, {
		name: "transform field",
		lines: `  transform "t" {
    set = {
      "First Name" = "lower(Experience_in_Years)"
    }
  }`,
		want: at{"Type mismatch", 16, 29, 48},
	}, {
		name: "name with spaces",
		lines: `  transform "t" {
    set = {
      "Lead Source" = "$env['First Nme']"
    }
  }`,
		want: at{"Unknown field", 16, 30, 39},
	}, {
		name:  "template: the start of the string",
		lines: `  criteria = "Emial == '${"x"}'"`,
		want:  at{"Unknown field", 14, 14, 33},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			src := exprHeader + tc.lines + exprFooter
			_, diags := check(t, []string{writeFile(t, "expr.hcl", src)})
			if len(diags) != 1 {
				t.Fatalf("want one diagnostic, got:\n%s", listed(diags))
			}
			d := diags[0]
			got := at{d.Summary, d.Subject.Start.Line, d.Subject.Start.Column, d.Subject.End.Column}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s%s\n%s", diff, d, numbered(src, d.Subject.Start.Line))
			}
		})
	}
}

// numbered returns line n of src with a column ruler, for failures.
func numbered(src string, n int) string {
	lines := strings.Split(src, "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	return lines[n-1] + "\n" + strings.Repeat("123456789.", 8)
}
