package plan

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

func guardPlan() *Plan {
	return &Plan{
		ID:          "guarded",
		Pipeline:    "members",
		CreatedAt:   created,
		StateSerial: 12,
		Summary:     Summary{Read: 40, Selected: 40, Unchanged: 40, Remove: 2, Delete: 1},
		Changes: []Change{
			{Action: Remove, Key: "a@example.com", SourceID: "1", Reason: ReasonSourceDeleted},
			{Action: Remove, Key: "b@example.com", SourceID: "2", Reason: ReasonLeftSelection},
			{Action: Delete, Key: "c@example.com", SourceID: "3", Reason: ReasonUnsubscribed},
		},
		GuardBreach: &GuardBreach{Limit: 2, Removals: 3, ListSize: 43},
	}
}

func noChangesPlan() *Plan {
	return &Plan{
		Pipeline:    "weekly-digest",
		CreatedAt:   created,
		StateSerial: 3,
		Summary:     Summary{Read: 10, Selected: 8, Unmatched: 2, Rejected: 1, Excluded: 1, Unchanged: 6},
		Skipped: []Skipped{
			{Outcome: Excluded, Key: "x@example.com", SourceID: "77", Reason: "on the do-not-mail list"},
			{Outcome: Rejected, Key: "", SourceID: "78", Reason: "transform email: division by zero"},
		},
	}
}

func cappedPlan() *Plan {
	p := &Plan{Pipeline: "big", CreatedAt: created, Summary: Summary{Read: 28, Selected: 28, Rejected: 25, Excluded: 3}}
	for i := range 25 {
		p.Skipped = append(p.Skipped, Skipped{Outcome: Rejected, Key: fmt.Sprintf("k%02d", i), SourceID: fmt.Sprint(i), Reason: "invalid email address"})
	}
	for i := range 3 {
		p.Skipped = append(p.Skipped, Skipped{Outcome: Excluded, Key: fmt.Sprintf("x%d", i), SourceID: fmt.Sprint(100 + i), Reason: "complained"})
	}
	return p
}

var renderCases = []struct {
	name string
	plan func() *Plan
}{
	{"full", samplePlan},
	{"guard", guardPlan},
	{"nochanges", noChangesPlan},
	{"empty", func() *Plan { return New("empty", created) }},
	{"capped", cappedPlan},
}

func renderText(t testing.TB, p *Plan, opts TextOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteText(&b, p, opts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func renderJSON(t testing.TB, p *Plan) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJSON(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestTextGolden(t *testing.T) {
	for _, tc := range renderCases {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.name+".txt.golden", renderText(t, tc.plan(), TextOptions{}))
		})
	}
	t.Run("color", func(t *testing.T) {
		golden(t, "full.color.golden", renderText(t, samplePlan(), TextOptions{Color: true}))
	})
}

func TestJSONGolden(t *testing.T) {
	for _, tc := range renderCases {
		t.Run(tc.name, func(t *testing.T) {
			got := renderJSON(t, tc.plan())
			if !json.Valid(got) {
				t.Fatalf("invalid JSON:\n%s", got)
			}
			golden(t, tc.name+".json.golden", got)
		})
	}
}

// TestJSONContract checks the field names programs rely on.
func TestJSONContract(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(renderJSON(t, samplePlan()), &doc); err != nil {
		t.Fatal(err)
	}
	keysOf := func(m any) []string {
		var ks []string
		for k := range m.(map[string]any) {
			ks = append(ks, k)
		}
		return ks
	}
	sortedEq := func(what string, got, want []string) {
		t.Helper()
		if diff := cmp.Diff(want, got, cmpSortStrings); diff != "" {
			t.Errorf("%s keys (-want +got):\n%s", what, diff)
		}
	}
	sortedEq("document", keysOf(doc), []string{"format_version", "plan_id", "pipeline", "created_at", "config_hash", "state_serial", "summary", "warnings", "changes", "skipped"})
	if doc["format_version"] != "1.0" {
		t.Errorf("format_version = %v", doc["format_version"])
	}
	sortedEq("summary", keysOf(doc["summary"]), []string{"read", "selected", "unmatched", "rejected", "duplicate", "excluded", "add", "update", "unchanged", "over_quota", "remove", "delete"})
	changes := doc["changes"].([]any)
	sortedEq("add", keysOf(changes[0]), []string{"action", "key", "source_id", "fields"})
	sortedEq("update", keysOf(changes[1]), []string{"action", "key", "source_id", "diff"})
	sortedEq("remove", keysOf(changes[2]), []string{"action", "key", "source_id", "reason"})
	diff := changes[1].(map[string]any)["diff"].([]any)
	sortedEq("diff entry", keysOf(diff[0]), []string{"field", "before", "after"})
	skipped := doc["skipped"].([]any)
	sortedEq("rejected", keysOf(skipped[0]), []string{"outcome", "key", "source_id", "reason"})
	sortedEq("duplicate", keysOf(skipped[2]), []string{"outcome", "key", "source_id", "reason", "winner"})

	var g map[string]any
	if err := json.Unmarshal(renderJSON(t, guardPlan()), &g); err != nil {
		t.Fatal(err)
	}
	sortedEq("guard", keysOf(g["guard"]), []string{"limit", "removals", "list_size"})

	// Empty lists are [], never null.
	empty := string(renderJSON(t, &Plan{Pipeline: "e"}))
	for _, want := range []string{`"changes":[]`, `"skipped":[]`, `"warnings":[]`} {
		if !strings.Contains(empty, want) {
			t.Errorf("empty plan JSON lacks %s:\n%s", want, empty)
		}
	}
	if strings.Contains(empty, "null") {
		t.Errorf("empty plan JSON holds null:\n%s", empty)
	}
	// An add without fields still has "fields":{}, an update "diff":[].
	got := string(renderJSON(t, &Plan{Changes: []Change{{Action: Add, Key: "a"}, {Action: Update, Key: "b"}}}))
	if !strings.Contains(got, `"fields":{}`) || !strings.Contains(got, `"diff":[]`) {
		t.Errorf("JSON = %s", got)
	}
}

var cmpSortStrings = cmpopts.SortSlices(func(a, b string) bool { return a < b })

func TestJSONReadBack(t *testing.T) {
	for _, tc := range renderCases {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.plan()
			want.Normalize()
			var got Plan
			if err := json.Unmarshal(renderJSON(t, want), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, &got); diff != "" {
				t.Errorf("read back (-want +got):\n%s", diff)
			}
			// json.Marshal uses MarshalJSON.
			b, err := json.Marshal(want)
			if err != nil || !json.Valid(b) {
				t.Fatalf("json.Marshal: %v", err)
			}
		})
	}
	var p Plan
	err := json.Unmarshal([]byte(`{"format_version":"2.0","pipeline":"x"}`), &p)
	if err == nil || !strings.Contains(err.Error(), "unsupported plan format version") {
		t.Errorf("reading format 2.0: %v", err)
	}
	if err := json.Unmarshal([]byte(`{"pipeline":"x"}`), &p); err == nil {
		t.Error("reading a document without format_version succeeded")
	}
	if err := json.Unmarshal([]byte(`{"format_version":"1.3","pipeline":"x","future":1}`), &p); err != nil || p.Pipeline != "x" {
		t.Errorf("reading a later minor version: %v", err)
	}
}

// TestDeterminism renders shuffled copies of a plan: every rendering must
// be byte for byte the same.
func TestDeterminism(t *testing.T) {
	base := samplePlan()
	wantText := renderText(t, base, TextOptions{Color: true, Verbose: true})
	wantJSON := renderJSON(t, base)
	var wantFile bytes.Buffer
	if err := Write(&wantFile, base); err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(20) {
		p := shuffled(base, seed)
		if got := renderText(t, p, TextOptions{Color: true, Verbose: true}); !bytes.Equal(got, wantText) {
			t.Fatalf("seed %d: text differs:\n%s", seed, got)
		}
		if got := renderJSON(t, p); !bytes.Equal(got, wantJSON) {
			t.Fatalf("seed %d: JSON differs:\n%s", seed, got)
		}
		var f bytes.Buffer
		if err := Write(&f, p); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(f.Bytes(), wantFile.Bytes()) {
			t.Fatalf("seed %d: plan file differs", seed)
		}
	}
	// Rendering does not reorder the caller's plan.
	p := shuffled(base, 99)
	before := append([]Change(nil), p.Changes...)
	renderText(t, p, TextOptions{})
	renderJSON(t, p)
	if diff := cmp.Diff(before, p.Changes); diff != "" {
		t.Errorf("rendering changed the plan:\n%s", diff)
	}
}

func TestTextColor(t *testing.T) {
	plain := renderText(t, samplePlan(), TextOptions{})
	if bytes.Contains(plain, []byte("\x1b")) {
		t.Errorf("colour off, yet the output holds an escape:\n%q", plain)
	}
	colored := renderText(t, samplePlan(), TextOptions{Color: true})
	for _, want := range []string{ansiGreen + "+ add" + ansiReset, ansiYellow + "~ update" + ansiReset, ansiRed + "- remove" + ansiReset, ansiBoldRed + "! delete" + ansiReset} {
		if !bytes.Contains(colored, []byte(want)) {
			t.Errorf("coloured output lacks %q", want)
		}
	}
	// Without the escapes, the coloured text is the plain text.
	stripped := colored
	for _, s := range []string{ansiReset, ansiBold, ansiDim, ansiRed, ansiGreen, ansiYellow, ansiBoldRed} {
		stripped = bytes.ReplaceAll(stripped, []byte(s), nil)
	}
	if diff := cmp.Diff(string(plain), string(stripped)); diff != "" {
		t.Errorf("coloured text differs from plain text beyond colour:\n%s", diff)
	}
}

func TestTextEscapesControlCharacters(t *testing.T) {
	evil := "\x1b]0;pwned\x07\x1b[2J\r\u009b31m\u202e"
	p := &Plan{
		Pipeline: "p" + evil,
		Summary:  Summary{Add: 1, Update: 1, Remove: 1, Rejected: 1, Duplicate: 1},
		Changes: []Change{
			{Action: Add, Key: "k" + evil, SourceID: "s" + evil, Fields: map[string]Value{"f" + evil: StringVal(evil), "l": ListVal(evil)}},
			{Action: Update, Key: "u", Diff: []FieldChange{{Field: "f" + evil, Before: StringVal(evil), After: NullVal()}}},
			{Action: Remove, Key: "r", Reason: "gone" + evil},
		},
		Skipped: []Skipped{
			{Outcome: Rejected, Key: evil, SourceID: evil, Reason: evil},
			{Outcome: Duplicate, Key: "d", SourceID: "2", Reason: "dup", Winner: evil},
		},
		Warnings: []string{"w" + evil + "\xff"},
	}
	for _, opts := range []TextOptions{{}, {Color: true}} {
		out := string(renderText(t, p, opts))
		if opts.Color {
			for _, s := range []string{ansiReset, ansiBold, ansiDim, ansiRed, ansiGreen, ansiYellow, ansiBoldRed} {
				out = strings.ReplaceAll(out, s, "")
			}
		}
		for _, r := range out {
			if r != '\n' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u202e') {
				t.Fatalf("raw control character %U in the output:\n%q", r, out)
			}
		}
		if !strings.Contains(out, `\x1b]0;pwned\a\x1b[2J\r\u009b31m\u202e`) {
			t.Errorf("escapes not shown as such:\n%s", out)
		}
		if !strings.Contains(out, `w\x1b]0;pwned\a\x1b[2J\r\u009b31m\u202e\xff`) {
			t.Errorf("warning not escaped:\n%s", out)
		}
	}
	js := renderJSON(t, p)
	for _, c := range js {
		if c != '\n' && (c < 0x20 || c == 0x7f) {
			t.Fatalf("raw control character %#x in the JSON:\n%q", c, js)
		}
	}
	if bytes.Contains(js, []byte("\u009b")) || !json.Valid(js) {
		t.Errorf("JSON = %q", js)
	}
}

func TestTextSkippedCap(t *testing.T) {
	p := cappedPlan()
	count := func(out []byte) int { return bytes.Count(out, []byte("invalid email address")) }
	if got := renderText(t, p, TextOptions{}); count(got) != DefaultMaxSkipped || !bytes.Contains(got, []byte("    … and 5 more\n")) {
		t.Errorf("default cap:\n%s", got)
	}
	if got := renderText(t, p, TextOptions{MaxSkipped: 3}); count(got) != 3 || !bytes.Contains(got, []byte("… and 22 more")) {
		t.Errorf("cap of 3:\n%s", got)
	}
	if got := renderText(t, p, TextOptions{Verbose: true, MaxSkipped: 3}); count(got) != 25 || bytes.Contains(got, []byte("more")) {
		t.Errorf("verbose:\n%s", got)
	}
}

func TestTextLines(t *testing.T) {
	out := string(renderText(t, samplePlan(), TextOptions{}))
	for _, want := range []string{
		"\n  + add alice@example.com [source 1001]\n",
		"\n      first_name: \"Bob\" → \"Robert\"\n",
		"\n  - remove carol@example.com (left the selection) [source 1003]\n",
		"\n  ! delete dave@example.com (source record deleted) [source 1004]\n",
		"\nPlan: 2 to add, 1 to update, 2 to remove, 1 to delete. 3 unchanged, 1 excluded, 2 rejected, 1 duplicate, 1 over quota (read 14, selected 11, unmatched 3).\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out = string(renderText(t, noChangesPlan(), TextOptions{}))
	if !strings.Contains(out, "\nNo changes. weekly-digest is up to date.\n") {
		t.Errorf("no-changes output:\n%s", out)
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, fmt.Errorf("disk full")
	}
	w.n--
	return len(p), nil
}

func TestRenderWriteErrors(t *testing.T) {
	p := largePlan(5000)
	if err := WriteText(&failWriter{}, p, TextOptions{}); err == nil {
		t.Error("WriteText ignored a write error")
	}
	if err := WriteJSON(&failWriter{n: 1}, p); err == nil {
		t.Error("WriteJSON ignored a write error")
	}
	if err := Write(&failWriter{n: 1}, p); err == nil {
		t.Error("Write ignored a write error")
	}
}
