package dsl_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-sync/sluice/connectors/connectortest"
	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine"
)

// registry is the fixed test registry plus two plain connectors that lack
// what some blocks need: plain_list is a sink without campaign events that
// cannot remove members, plain_rows a source whose only stream has no
// cursor, no views and takes no feedback.
func registry() *sdk.Registry {
	return connectortest.Registry(plainList{}, plainRows{})
}

type plainList struct{}

var plainListInfo = &sdk.SinkInfo{KeyKind: sdk.KeyString, OpenFields: true}

func (plainList) Info() sdk.Info {
	return sdk.Info{Name: "plain_list", Version: "test", Doc: "A sink without events.", Kinds: []sdk.Kind{sdk.KindSink}, Sink: plainListInfo}
}

func (plainList) Open(context.Context, sdk.OpenRequest) (sdk.Conn, error) { return plainList{}, nil }
func (plainList) Close() error                                            { return nil }

func (plainList) Describe(context.Context, sdk.DescribeRequest) (*sdk.SinkInfo, error) {
	return plainListInfo, nil
}

func (plainList) Suppressions(context.Context, sdk.SuppressionsRequest) ([]sdk.Suppression, error) {
	return nil, nil
}

func (plainList) Write(context.Context, sdk.WriteRequest, arrow.RecordBatch) (*sdk.WriteResponse, error) {
	return &sdk.WriteResponse{}, nil
}

type plainRows struct{}

var plainRowsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.BinaryTypes.String},
	{Name: "email", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

func (plainRows) Info() sdk.Info {
	return sdk.Info{Name: "plain_rows", Version: "test", Doc: "A source without a cursor.", Kinds: []sdk.Kind{sdk.KindSource}}
}

func (plainRows) Open(context.Context, sdk.OpenRequest) (sdk.Conn, error) { return plainRows{}, nil }
func (plainRows) Close() error                                            { return nil }

func (plainRows) Discover(context.Context, sdk.DiscoverRequest) (*sdk.DiscoverResponse, error) {
	return &sdk.DiscoverResponse{Streams: []sdk.Stream{{Name: "rows", Schema: plainRowsSchema, IDField: "id"}}}, nil
}

func (plainRows) Read(context.Context, sdk.ReadRequest, sdk.ReadSink) error { return nil }

// check loads paths with the test registry and resolves every pipeline,
// as `sluice validate` does.
func check(t testing.TB, paths []string, vars ...string) (*dsl.Config, hcl.Diagnostics) {
	t.Helper()
	return checkEnv(t, paths, map[string]string{}, vars...)
}

// checkEnv is check with an environment.
func checkEnv(t testing.TB, paths []string, env map[string]string, vars ...string) (*dsl.Config, hcl.Diagnostics) {
	t.Helper()
	cfg, diags := dsl.Load(paths, dsl.LoadOptions{
		Registry: registry(),
		Vars:     vars,
		Getenv:   func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	})
	conns := engine.NewConns(cfg)
	defer conns.Close()
	_, rd := engine.Resolve(context.Background(), cfg, conns, nil, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	return cfg, append(diags, rd...)
}

func TestValidFixtures(t *testing.T) {
	files, _ := filepath.Glob("../testdata/valid/*.hcl")
	if len(files) < 3 {
		t.Fatalf("expected the valid fixtures, found %d", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, diags := check(t, []string{f})
			for _, d := range diags {
				t.Errorf("%s", d)
			}
		})
	}
}

func TestFullExampleModel(t *testing.T) {
	cfg, diags := check(t, []string{"../testdata/valid/full_example.hcl"}, "list_name=Shortlist 2026")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p := cfg.Pipelines["shortlisted_candidates"]
	if p == nil {
		t.Fatal("pipeline not decoded")
	}
	got := map[string]any{
		"source.connection": p.Source.Connection,
		"source.module":     p.Source.Module,
		"source.view":       p.Source.View,
		"source.since":      p.Source.Since.Format(time.RFC3339),
		"criteria":          p.Criteria.Text,
		"transforms":        len(p.Transforms),
		"fields":            len(p.Transforms[0].Fields),
		"sink.list":         p.Sink.List,
		"sink.create":       p.Sink.Create,
		"sink.key":          p.Sink.Key,
		"schedule":          fmt.Sprintf("%s %02d:%02d %s %s", p.Schedule.Repeat, p.Schedule.Hour, p.Schedule.Minute, p.Schedule.Weekday, p.Schedule.TimeZone),
		"mode":              p.Mode.String(),
		"on_source_delete":  p.OnSourceDelete.String(),
		"on_unsubscribe":    p.OnUnsubscribe.String(),
		"quota":             p.Quota.MaxRecords,
		"guard":             fmt.Sprintf("%v %v", p.Guard.MaxRemovals, p.Guard.Percent),
		"feedback.status":   len(p.Feedback.StatusFields),
		"feedback.push":     p.Feedback.PushRecipients.Module,
		"limits.active":     cfg.Settings.Limits.MaxActivePipelines,
		"limits.contacts":   cfg.Settings.Limits.MaxContacts,
		"state":             cfg.Settings.State,
		"conn.secret":       cfg.Connections["recruit"].Settings.Redacted(cfg.Connections["recruit"].Info)["client_secret"],
	}
	want := map[string]any{
		"source.connection": "recruit",
		"source.module":     "Candidates",
		"source.view":       "Shortlisted",
		"source.since":      "2026-01-01T00:00:00Z",
		"criteria":          "Candidate_Status in ['New', 'In-review'] && Experience_in_Years >= 2",
		"transforms":        1,
		"fields":            4,
		"sink.list":         "Shortlist 2026",
		"sink.create":       true,
		"sink.key":          "Contact Email",
		"schedule":          "weekly 09:30 Monday Asia/Tokyo",
		"mode":              "upsert",
		"on_source_delete":  "remove_from_list",
		"on_unsubscribe":    "keep",
		"quota":             2500,
		"guard":             "10 true",
		"feedback.status":   2,
		"feedback.push":     "Contacts",
		"limits.active":     15,
		"limits.contacts":   5000,
		"state":             "sqlite:.sluice/state.db",
		"conn.secret":       "(sensitive)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("model (-want +got):\n%s", diff)
	}
	// Every declaration keeps its range.
	if r := p.Sink.KeyRange; r.Filename == "" || r.Start.Line == 0 {
		t.Errorf("sink key has no range: %v", r)
	}
}

func TestVariablesFromEnvAndFlags(t *testing.T) {
	dir := t.TempDir()
	src := `variable "list" {
  type = string
  default = "from default"
}
variable "n" {
  type = number
}
`
	os.WriteFile(filepath.Join(dir, "v.hcl"), []byte(src), 0o644)
	for _, tc := range []struct {
		name     string
		env      map[string]string
		vars     []string
		wantList string
		wantErr  string
	}{
		{name: "default and env", env: map[string]string{"SLUICE_VAR_n": "3"}, wantList: "from default"},
		{name: "env overrides default", env: map[string]string{"SLUICE_VAR_n": "3", "SLUICE_VAR_list": "env"}, wantList: "env"},
		{name: "flag overrides env", env: map[string]string{"SLUICE_VAR_n": "3", "SLUICE_VAR_list": "env"}, vars: []string{"list=flag"}, wantList: "flag"},
		{name: "missing required", wantErr: "No value for required variable"},
		{name: "wrong type", vars: []string{"n=abc"}, wantErr: "Invalid value for variable"},
		{name: "undeclared", vars: []string{"n=1", "lst=x"}, wantErr: "Value for undeclared variable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, diags := dsl.Load([]string{dir}, dsl.LoadOptions{
				Registry: registry(), Vars: tc.vars,
				Getenv: func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok },
			})
			if tc.wantErr != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tc.wantErr) {
					t.Fatalf("want error %q, got %v", tc.wantErr, diags)
				}
				if tc.name == "undeclared" && !strings.Contains(diags.Error(), `Did you mean "list"?`) {
					t.Errorf("no suggestion in %v", diags)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if got := cfg.Variables["list"].Value.AsString(); got != tc.wantList {
				t.Errorf("list = %q, want %q", got, tc.wantList)
			}
		})
	}
}

var errorMark = regexp.MustCompile(`#\s*ERROR:\s*(.+?)\s*$`)

// marked returns the "line: summary" of each line of src marked
// `# ERROR: <summary>`, sorted.
func marked(src string) []string {
	var want []string
	for i, line := range strings.Split(src, "\n") {
		if m := errorMark.FindStringSubmatch(line); m != nil {
			want = append(want, fmt.Sprintf("%d: %s", i+1, m[1]))
		}
	}
	sort.Strings(want)
	return want
}

// reported returns the "line: summary" of each error, sorted and without
// repeats, and fails t for an error without a detail.
func reported(t *testing.T, diags hcl.Diagnostics) []string {
	t.Helper()
	var got []string
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		if d.Subject == nil {
			got = append(got, "0: "+d.Summary)
			continue
		}
		got = append(got, fmt.Sprintf("%d: %s", d.Subject.Start.Line, d.Summary))
		if d.Detail == "" {
			t.Errorf("%s: %q has no detail saying how to fix it", d.Subject, d.Summary)
		}
	}
	sort.Strings(got)
	return dedupe(got)
}

// listed renders diagnostics one per line, for failure messages.
func listed(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "  %s\n", d)
	}
	return b.String()
}

// TestErrorFixtures checks that each file of testdata/errors fails exactly
// on the lines marked `# ERROR: <summary>`, with that summary.
func TestErrorFixtures(t *testing.T) {
	files, _ := filepath.Glob("../testdata/errors/*.hcl")
	total := 0
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want := marked(string(src))
			if len(want) == 0 {
				t.Fatal("fixture marks no ERROR line")
			}
			total += len(want)
			_, diags := check(t, []string{f})
			if diff := cmp.Diff(want, reported(t, diags)); diff != "" {
				t.Errorf("line: summary (-want +got):\n%s\nall diagnostics:\n%s", diff, listed(diags))
			}
		})
	}
	if total < 45 {
		t.Errorf("the error fixtures mark %d mistakes; want at least 45", total)
	}
}

// everyProblem holds independent mistakes in different connections and
// pipelines; one run must report each of them.
const everyProblem = `
connection "recruit" {
  connector = "zoho_recruit"
  settings = {
    data_center   = "eu"
    client_id     = "id"
    client_secret = "secret"
    refresh_token = "token"
  }
}

connection "campaigns" {
  connector = "zoho_campaigns"
  settings = {
    client_id     = "id"
    client_secret = "secret"
    refresh_token = "token"
  }
}

connection "typo" {
  connector = "zoho_campaign" # ERROR: Unknown connector type
}

connection "bad_dc" {
  connector = "zoho_campaigns"
  settings = {
    data_center   = "mars" # ERROR: Invalid setting value
    client_id     = "id"
    client_secret = "secret"
    refresh_token = "token"
  }
}

pipeline "criteria" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  criteria = "Candidate_Stats == 'New'" # ERROR: Unknown field
  transform "t" {
    fields = { "Contact Email" = "Email" }
  }
  sink {
    connection = connection.campaigns
    list       = "A"
    key        = "Contact Email"
  }
}

pipeline "transform" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "t" {
    fields = {
      "Contact Email" = "Email"
      "City"          = "City + Experience_in_Years" # ERROR: Type mismatch
    }
  }
  sink {
    connection = connection.campaigns
    list       = "B"
    key        = "Contact Email"
  }
}

pipeline "schedule" {
  source {
    connection = connection.recruit
    module     = "Contacts"
  }
  transform "t" {
    fields = { "Contact Email" = "Email" }
  }
  sink {
    connection = connection.campaigns
    list       = "C"
    key        = "Contact Email"
  }
  schedule {
    repeat = "daily"
    at     = "24:30" # ERROR: Invalid time of day
  }
  mode = "sync" # ERROR: Invalid value for mode
}

pipeline "module" {
  source {
    connection = connection.recruit
    module     = "Contact" # ERROR: Unknown module
  }
  transform "t" {
    fields = { "Contact Email" = "Email" }
  }
  sink {
    connection = connection.campaigns
    list       = "D"
    key        = "Contact Email"
  }
}

pipeline "key" {
  source {
    connection = connection.recruit
    module     = "Contacts"
  }
  transform "t" {
    fields = { "Email" = "Email" } # ERROR: Unknown sink field
  }
  sink {
    connection = connection.campaigns
    list       = "E"
    key        = "Contact Email" # ERROR: Key not produced
  }
  quota {
    max_records = 0 # ERROR: Value out of range
  }
}

pipeline "feedback" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "t" {
    fields = { "Contact Email" = "Email" }
  }
  sink {
    connection = connection.campaigns
    list       = var.list # ERROR: Reference to undeclared variable
    key        = "Contact Email"
  }
  feedback {
    status_field "sms" { # ERROR: Invalid status_field type
      module = "Candidates"
      field  = "Drip_Response"
    }
  }
  guard {
    max_removals = "150%" # ERROR: Invalid max_removals
  }
}

pipeline "criteria" { # ERROR: Duplicate pipeline
  source {
    connection = connection.recruit
  }
}

plugin "hubspot" {
  path   = "./hubspot"
  sha256 = "1234" # ERROR: Invalid sha256
}
`

// TestEveryProblemInOneRun checks that independent mistakes are all
// reported by one load, not one per run.
func TestEveryProblemInOneRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "many.hcl")
	if err := os.WriteFile(path, []byte(everyProblem), 0o644); err != nil {
		t.Fatal(err)
	}
	want := marked(everyProblem)
	if len(want) < 14 {
		t.Fatalf("the file marks %d mistakes; it is meant to hold many", len(want))
	}
	_, diags := check(t, []string{path})
	if diff := cmp.Diff(want, reported(t, diags)); diff != "" {
		t.Errorf("line: summary (-want +got):\n%s\nall diagnostics:\n%s", diff, listed(diags))
	}
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// TestDidYouMean checks that a misspelled name is answered with the name
// it most likely meant.
func TestDidYouMean(t *testing.T) {
	for _, tc := range []struct {
		file, summary, want string
	}{
		{"unknown_names.hcl", "Unsupported block type", `Did you mean "pipeline"?`},
		{"unknown_names.hcl", "Unsupported block type", `Did you mean "schedule"?`},
		{"unknown_names.hcl", "Unsupported argument", `Did you mean "criteria"?`},
		{"unknown_names.hcl", "Unsupported argument", `Did you mean "settings"?`},
		{"connections.hcl", "Unknown connector type", `Did you mean "zoho_recruit"?`},
		{"connections.hcl", "Unsupported setting", `Did you mean "client_secret"?`},
		{"references.hcl", "Reference to undeclared connection", `Did you mean "campaigns"?`},
		{"references.hcl", "Unknown variable", `Did you mean var.list_name?`},
		{"variables.hcl", "Reference to undeclared variable", `Did you mean "list"?`},
		{"pipeline.hcl", "Invalid value for on_unsubscribe", `Did you mean "remove_from_list"?`},
		{"schedule.hcl", "Invalid weekday", `Did you mean "sunday"?`},
		{"source.hcl", "Unknown module", `Did you mean "Candidates"?`},
		{"source.hcl", "Unknown view", `Did you mean "Shortlisted"?`},
		{"criteria.hcl", "Unknown field", `Did you mean "Candidate_Status"?`},
		{"criteria.hcl", "Unknown function", `Did you mean "lower"?`},
		{"transforms.hcl", "Unknown field", `Did you mean "First_Name"?`},
		{"transforms.hcl", "Unknown field in drop", `Did you mean "City"?`},
		{"sink.hcl", "Unknown sink field", `Did you mean "First Name"?`},
	} {
		t.Run(tc.summary+" "+tc.want, func(t *testing.T) {
			_, diags := check(t, []string{filepath.Join("../testdata/errors", tc.file)})
			for _, d := range diags {
				if d.Summary == tc.summary && strings.Contains(d.Detail, tc.want) {
					return
				}
			}
			t.Errorf("no %q saying %s in:\n%s", tc.summary, tc.want, listed(diags))
		})
	}
}
