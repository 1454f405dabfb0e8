package dsl_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/sluice-sync/sluice/dsl"
)

// writeFile writes src as name in a new temporary directory and returns
// its path.
func writeFile(t testing.TB, name, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// summaries returns the summary of each error.
func summaries(diags hcl.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			out = append(out, d.Summary)
		}
	}
	return out
}

// TestHostileInput checks that input built to exhaust the parser is
// refused with one diagnostic before HCL parses it: a file too large, and
// expressions nested deep enough to overflow the stack of HCL's recursive
// parser or evaluator, or to take it minutes.
func TestHostileInput(t *testing.T) {
	const n = 20000
	for _, tc := range []struct {
		name, src, want string
		line            int
	}{
		{name: "too large", src: strings.Repeat("# padding\n", dsl.MaxFileSize/10+1), want: "File too large", line: 1},
		{name: "brackets", src: strings.Repeat("[", 100000), want: "Nesting too deep", line: 1},
		{name: "brackets in a block", src: "pipeline \"p\" {\n  criteria = " + strings.Repeat("(", n) + "\n}\n", want: "Nesting too deep", line: 2},
		{name: "objects", src: "x = " + strings.Repeat("{a = ", n), want: "Nesting too deep", line: 1},
		{name: "negations", src: "x = " + strings.Repeat("!", n) + "true\n", want: "Nesting too deep", line: 1},
		{name: "minus signs", src: "x = " + strings.Repeat("- ", n) + "1\n", want: "Nesting too deep", line: 1},
		{name: "conditionals", src: "x = " + strings.Repeat("true ? 1 : ", n/10) + "2\n", want: "Nesting too deep", line: 1},
		{name: "sums", src: "x = " + strings.Repeat("1 + ", n) + "1\n", want: "Nesting too deep", line: 1},
		{name: "sums over lines", src: "x = (1\n" + strings.Repeat("+ 1\n", n) + ")\n", want: "Nesting too deep", line: 65},
		{name: "indexes", src: "x = a" + strings.Repeat("[a]", n) + "\n", want: "Nesting too deep", line: 1},
		{name: "splats", src: "x = a" + strings.Repeat("[*]", n) + "\n", want: "Nesting too deep", line: 1},
		{name: "calls", src: "x = " + strings.Repeat("f(", n) + "\n", want: "Nesting too deep", line: 1},
		{name: "interpolations", src: "x = " + strings.Repeat(`"${`, n) + "\n", want: "Nesting too deep", line: 1},
		{name: "directives", src: `x = "` + strings.Repeat("%{if true}", n) + "\"\n", want: "Nesting too deep", line: 1},
		{name: "heredoc lines", src: "x = <<EOT\n" + strings.Repeat("line\n", n) + "EOT\n", want: "String too long", line: 4098},
		{name: "string escapes", src: `x = "` + strings.Repeat("$${", n) + "\"\n", want: "String too long", line: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "hostile.hcl", tc.src)
			_, diags := check(t, []string{path})
			if got := summaries(diags); len(got) != 1 || got[0] != tc.want {
				t.Fatalf("got %q, want one %q", got, tc.want)
			}
			if s := diags[0].Subject; s == nil || s.Filename != path || s.Start.Line != tc.line {
				t.Errorf("subject %v, want %s line %d", s, path, tc.line)
			}
		})
	}
}

// TestNestingWithinBounds checks that the nesting bound leaves room for
// what pipeline files hold.
func TestNestingWithinBounds(t *testing.T) {
	src := `variable "v" {
  default = { a = [[1, 2], [3, 4]], b = { c = { d = "${"x"}-%{if true}y%{endif}" } } }
}
variable "w" {
  default = (1 + 2) * 3 - 4 / 5 + (true ? 1 : 2) + [1, 2, 3][1] + (6 % 4) + -(-1)
}
connection "c" {
  connector = "zoho_recruit"
  settings = {
    client_id     = "${var.v.b.c.d}-${env("HOME")}"
    client_secret = !(var.w > 2 && var.w < 100) ? "a" : "b"
    refresh_token = env("HOME") == "" ? "t" : "u"
  }
}
variable "long" {
  default = [` + strings.Repeat(`"item", `, 5000) + `]
}
variable "text" {
  default = <<EOT
` + strings.Repeat("a line of text\n", 4000) + `EOT
}
`
	_, diags := check(t, []string{writeFile(t, "ok.hcl", src)})
	if diags.HasErrors() {
		t.Fatal(listed(diags))
	}
}

// TestDeepCriteria checks that a criteria nested too deeply for the
// expression compiler, though within the file's bounds, is refused at the
// bracket that goes too deep.
func TestDeepCriteria(t *testing.T) {
	src := fmt.Sprintf(`
connection "recruit" {
  connector = "zoho_recruit"
  settings  = { client_id = "i", client_secret = "s", refresh_token = "t" }
}
connection "campaigns" {
  connector = "zoho_campaigns"
  settings  = { client_id = "i", client_secret = "s", refresh_token = "t" }
}
pipeline "deep" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  criteria = "%s1%s == 1"
  transform "t" {
    fields = { "Contact Email" = "Email" }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}
`, strings.Repeat("(", 1000), strings.Repeat(")", 1000))
	_, diags := check(t, []string{writeFile(t, "deep.hcl", src)})
	if got := summaries(diags); len(got) != 1 || got[0] != "Expression nested too deeply" {
		t.Fatalf("got %q:\n%s", got, listed(diags))
	}
	// The 49th bracket: the first is in column 15, after `  criteria = "`.
	if s := diags[0].Subject; s.Start.Line != 15 || s.Start.Column != 15+48 {
		t.Errorf("subject %v, want line 15 column %d", s, 15+48)
	}
}

// TestInvalidUTF8 checks that bytes that are not UTF-8, wherever they are,
// give a diagnostic at their position.
func TestInvalidUTF8(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line, col int
	}{
		{"in a string", "connection \"c\" {\n  connector = \"zoho_\xffrecruit\"\n}\n", 2, 21},
		{"in a comment", "# caf\xe9\nconnection \"c\" {\n}\n", 1, 6},
		{"in a name", "conn\xc3ection \"c\" {\n}\n", 1, 5},
		{"in a criteria", "pipeline \"p\" {\n  criteria = \"City == '\xed\xa0\x80'\"\n}\n", 2, 24},
		{"truncated", "x = \"\xe2\x82", 1, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := check(t, []string{writeFile(t, "bad.hcl", tc.src)})
			if got := summaries(diags); len(got) != 1 || got[0] != "Invalid character encoding" {
				t.Fatalf("got %q", got)
			}
			if s := diags[0].Subject; s.Start.Line != tc.line || s.Start.Column != tc.col {
				t.Errorf("subject %v, want %d:%d", s, tc.line, tc.col)
			}
		})
	}
}

// secret is a value that must never be shown.
const secret = "S3CR3T-7f1c9a"

// TestSensitiveNeverShown puts a secret in sensitive settings and a
// sensitive variable, makes mistakes around it and with it, and checks
// that no diagnostic shows it.
func TestSensitiveNeverShown(t *testing.T) {
	src := `
variable "token" {
  type      = string
  sensitive = true
}

variable "pin" {
  type      = number
  sensitive = true
}

connection "recruit" {
  connector = "zoho_recruit"
  settings = {
    data_center   = "moon"
    page_size     = "` + secret + `"
    client_id     = "id"
    client_secret = "` + secret + `"
    refresh_token = var.token
  }
}

connection "by_variable" {
  connector = "zoho_campaigns"
  settings = {
    data_center   = var.token
    client_id     = var.token
    client_secret = 42
    refresh_token = [var.token]
  }
}

connection "by_file" {
  connector = "zoho_campaigns"
  settings = {
    client_id     = file(var.token)
    client_secret = var.token
    refresh_token = var.token
    page_size     = var.token
  }
}

pipeline "leaks" {
  source {
    connection = connection.recruit
    module     = var.token
    view       = "${var.token}-view"
    since      = var.token
  }
  criteria = "Email == '${var.token}'"
  transform "t" {
    fields = {
      (var.token)     = "Email"
      "Contact Email" = var.token
    }
    drop = [var.token]
  }
  sink {
    connection = connection.campaigns
    list       = var.token
    key        = var.token
  }
  schedule {
    repeat   = var.token
    at       = var.token
    timezone = var.token
  }
  guard {
    max_removals = var.token
  }
}
`
	path := writeFile(t, "secret.hcl", src)
	env := map[string]string{"SLUICE_VAR_token": secret, "SLUICE_VAR_pin": secret}
	_, diags := checkEnv(t, []string{path}, env)
	if len(diags) < 15 {
		t.Errorf("want many diagnostics, got:\n%s", listed(diags))
	}
	_, flagDiags := checkEnv(t, []string{path}, map[string]string{}, "token="+secret, "pin="+secret)
	for _, d := range append(diags, flagDiags...) {
		if text := d.Error() + d.Detail; strings.Contains(text, secret) {
			t.Errorf("a diagnostic shows the secret: %s", text)
		}
	}
}

// TestUnknownValues checks that a variable without a value is reported
// once: its uses, whatever their type, neither crash the decoder nor echo
// the error.
func TestUnknownValues(t *testing.T) {
	src := `
variable "names" { type = list(string) }
variable "count" { type = number }
variable "map" { type = map(string) }

connection "recruit" {
  connector = "zoho_recruit"
  settings  = { client_id = var.map["a"], client_secret = "s", refresh_token = "t", page_size = var.count }
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
  criteria = var.names[0]
  transform "t" {
    fields = { "Contact Email" = var.names[1], "City" = var.map.city, (var.names[2]) = "Email" }
    drop   = var.names
  }
  transform "u" {
    drop = var.names
  }
  sink {
    connection = connection.campaigns
    list       = var.names[0]
    key        = "Contact Email"
    create     = var.count > 1
  }
  schedule {
    repeat = "monthly"
    at     = "09:00"
    on     = var.count
  }
  quota {
    max_records = var.count
  }
  guard {
    max_removals = var.map
  }
}
`
	_, diags := check(t, []string{writeFile(t, "unknown.hcl", src)})
	want := []string{"No value for required variable", "No value for required variable", "No value for required variable"}
	if diff := cmp.Diff(want, summaries(diags)); diff != "" {
		t.Errorf("(-want +got):\n%s\n%s", diff, listed(diags))
	}
}
