package plan

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var created = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

// samplePlan returns a small plan with every action and outcome, in plan
// order.
func samplePlan() *Plan {
	p := &Plan{
		FormatVersion: FormatVersion,
		ID:            "5e1f0c2a9b7d4e3f8a6c1b2d3e4f5a6b",
		Pipeline:      "newsletter",
		CreatedAt:     created,
		ConfigHash:    "sha256:c0ffee",
		StateSerial:   7,
		Summary: Summary{
			Read: 14, Selected: 11, Unmatched: 3,
			Rejected: 2, Duplicate: 1, Excluded: 1,
			Add: 2, Update: 1, Unchanged: 3, OverQuota: 1,
			Remove: 2, Delete: 1,
		},
		Changes: []Change{
			{Action: Add, Key: "alice@example.com", SourceID: "1001", Fields: map[string]Value{
				"email":      StringVal("alice@example.com"),
				"first_name": StringVal("Alice"),
				"score":      IntVal(42),
				"weight":     FloatVal(1),
				"vip":        BoolVal(true),
				"tags":       ListVal("news", "offers"),
				"signed_up":  TimeVal(time.Date(2025, 12, 24, 18, 0, 0, 0, time.FixedZone("CET", 3600))),
				"nickname":   NullVal(),
			}},
			{Action: Update, Key: "bob@example.com", SourceID: "1002", Diff: []FieldChange{
				{Field: "first_name", Before: StringVal("Bob"), After: StringVal("Robert")},
				{Field: "phone", Before: NullVal(), After: StringVal("+44 20 7946 0000")},
				{Field: "score", Before: IntVal(1), After: IntVal(2)},
			}},
			{Action: Remove, Key: "carol@example.com", SourceID: "1003", Reason: ReasonLeftSelection},
			{Action: Delete, Key: "dave@example.com", SourceID: "1004", Reason: ReasonSourceDeleted},
			{Action: Remove, Key: "erin@example.com", SourceID: "1011", Reason: ReasonUnsubscribed},
			{Action: Add, Key: "zoë@example.com", SourceID: "1010", Fields: map[string]Value{
				"first_name": StringVal("Zoë"),
				"note":       StringVal("line one\nline two\x1b[31m red"),
			}},
		},
		Skipped: []Skipped{
			{Outcome: Rejected, Key: "", SourceID: "1005", Reason: "email is empty"},
			{Outcome: Rejected, Key: "not-an-email", SourceID: "1006", Reason: "invalid email address"},
			{Outcome: Duplicate, Key: "alice@example.com", SourceID: "1007", Reason: "duplicate key", Winner: "1001"},
			{Outcome: Excluded, Key: "frank@example.com", SourceID: "1008", Reason: "unsubscribed"},
			{Outcome: OverQuota, Key: "gina@example.com", SourceID: "1009", Reason: "quota.max_records (100) reached"},
		},
		Warnings: []string{`stream "contacts" has no cursor: every run reads every record`},
	}
	return p
}

// shuffled returns a deep enough copy of p with its entries and diffs in
// random order.
func shuffled(p *Plan, seed uint64) *Plan {
	r := rand.New(rand.NewPCG(seed, seed))
	q := *p
	q.Changes = append([]Change(nil), p.Changes...)
	q.Skipped = append([]Skipped(nil), p.Skipped...)
	r.Shuffle(len(q.Changes), func(i, j int) { q.Changes[i], q.Changes[j] = q.Changes[j], q.Changes[i] })
	r.Shuffle(len(q.Skipped), func(i, j int) { q.Skipped[i], q.Skipped[j] = q.Skipped[j], q.Skipped[i] })
	for i := range q.Changes {
		d := append([]FieldChange(nil), q.Changes[i].Diff...)
		r.Shuffle(len(d), func(i, j int) { d[i], d[j] = d[j], d[i] })
		if d != nil {
			q.Changes[i].Diff = d
		}
	}
	return &q
}

func TestActionAndOutcomeNames(t *testing.T) {
	for a, want := range map[Action]string{Add: "add", Update: "update", Remove: "remove", Delete: "delete", 0: "Action(0)", 9: "Action(9)"} {
		if got := a.String(); got != want {
			t.Errorf("Action(%d).String() = %q, want %q", uint8(a), got, want)
		}
		if a.valid() {
			back, err := ParseAction(want)
			if err != nil || back != a {
				t.Errorf("ParseAction(%q) = %v, %v", want, back, err)
			}
		}
	}
	for o, want := range map[Outcome]string{Rejected: "rejected", Duplicate: "duplicate", Excluded: "excluded", OverQuota: "over_quota", 0: "Outcome(0)"} {
		if got := o.String(); got != want {
			t.Errorf("Outcome(%d).String() = %q, want %q", uint8(o), got, want)
		}
		if o.valid() {
			back, err := ParseOutcome(want)
			if err != nil || back != o {
				t.Errorf("ParseOutcome(%q) = %v, %v", want, back, err)
			}
		}
	}
	for _, bad := range []string{"", "Add", "unmatched", "over quota"} {
		if _, err := ParseAction(bad); err == nil {
			t.Errorf("ParseAction(%q) succeeded", bad)
		}
		if _, err := ParseOutcome(bad); err == nil {
			t.Errorf("ParseOutcome(%q) succeeded", bad)
		}
	}
	if _, err := Action(0).MarshalText(); err == nil {
		t.Error("MarshalText of an invalid action succeeded")
	}
}

func TestHasChanges(t *testing.T) {
	tests := []struct {
		name string
		p    Plan
		want bool
	}{
		{"empty", Plan{}, false},
		{"only skipped", Plan{Summary: Summary{Read: 3, Selected: 3, Rejected: 3}, Skipped: []Skipped{{Outcome: Rejected}}}, false},
		{"unchanged", Plan{Summary: Summary{Read: 3, Selected: 3, Unchanged: 3}}, false},
		{"a change", Plan{Changes: []Change{{Action: Remove, Key: "k"}}}, true},
		{"counted only", Plan{Summary: Summary{Delete: 1}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.HasChanges(); got != tt.want {
				t.Errorf("HasChanges() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	want := samplePlan()
	want.Changes = sortedChanges(want.Changes)
	for seed := range uint64(10) {
		got := shuffled(samplePlan(), seed)
		got.Normalize()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("seed %d: Normalize (-want +got):\n%s", seed, diff)
		}
	}
	var keys []string
	for _, c := range want.Changes {
		keys = append(keys, c.Action.String()+" "+c.Key)
	}
	wantKeys := "add alice@example.com,update bob@example.com,remove carol@example.com,delete dave@example.com,remove erin@example.com,add zoë@example.com"
	if got := strings.Join(keys, ","); got != wantKeys {
		t.Errorf("change order = %s, want %s", got, wantKeys)
	}

	// A new plan gets the current format version and its content hash as id.
	p := New("p", created)
	p.Changes = []Change{{Action: Add, Key: "k"}}
	p.Normalize()
	if p.FormatVersion != FormatVersion || p.ID == "" || p.ID != p.ContentHash() || len(p.ID) != 32 {
		t.Errorf("after Normalize: version %q, id %q", p.FormatVersion, p.ID)
	}
}

func TestChangeOrderSameKey(t *testing.T) {
	// One key removed and added again sorts by action; fully equal entries
	// still get a total order by their contents.
	cs := []Change{
		{Action: Add, Key: "k", SourceID: "2", Fields: map[string]Value{"a": IntVal(2)}},
		{Action: Remove, Key: "k", SourceID: "1", Reason: ReasonLeftSelection},
		{Action: Add, Key: "k", SourceID: "2", Fields: map[string]Value{"a": IntVal(1)}},
	}
	got := sortedChanges(cs)
	if !got[0].Fields["a"].Equal(IntVal(1)) || !got[1].Fields["a"].Equal(IntVal(2)) || got[2].Action != Remove {
		t.Errorf("order = %+v", got)
	}
	if !cs[0].Fields["a"].Equal(IntVal(2)) {
		t.Error("sortedChanges modified its input")
	}
}

func TestContentHash(t *testing.T) {
	p := samplePlan()
	h := p.ContentHash()
	for seed := range uint64(5) {
		if got := shuffled(p, seed).ContentHash(); got != h {
			t.Fatalf("hash depends on entry order: %s vs %s", got, h)
		}
	}
	q := samplePlan()
	q.ID = "other"
	if q.ContentHash() != h {
		t.Error("hash depends on the id")
	}
	q.Changes[0].Fields["score"] = IntVal(43)
	if q.ContentHash() == h {
		t.Error("hash ignores a field value")
	}
	q = samplePlan()
	q.StateSerial++
	if q.ContentHash() == h {
		t.Error("hash ignores the state serial")
	}
}

func TestValidate(t *testing.T) {
	if err := samplePlan().Validate(); err != nil {
		t.Fatalf("sample plan: %v", err)
	}
	if err := (&Plan{}).Validate(); err != nil {
		t.Fatalf("empty plan: %v", err)
	}
	tests := []struct {
		name   string
		modify func(p *Plan)
		want   string
	}{
		{"count mismatch", func(p *Plan) { p.Summary.Add = 5 }, "add is 5 but the plan lists 2"},
		{"read", func(p *Plan) { p.Summary.Unmatched = 4 }, "read (14) is not selected (11) + unmatched (4)"},
		{"selected", func(p *Plan) { p.Summary.Unchanged = 4 }, "selected (11) is not"},
		{"negative", func(p *Plan) { p.Summary.Read = -1 }, "read is negative"},
		{"no key", func(p *Plan) { p.Changes[2].Key = "" }, "remove without a key"},
		{"fields on remove", func(p *Plan) { p.Changes[2].Fields = map[string]Value{"a": IntVal(1)} }, "fields on a remove"},
		{"empty update", func(p *Plan) { p.Changes[1].Diff = nil }, "an update that changes no field"},
		{"bad action", func(p *Plan) { p.Changes[0].Action = 0 }, "invalid action 0"},
		{"no winner", func(p *Plan) { p.Skipped[2].Winner = "" }, "names no winner"},
		{"version", func(p *Plan) { p.FormatVersion = "2.0" }, "unsupported plan format version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := samplePlan()
			tt.modify(p)
			err := p.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want it to say %q", err, tt.want)
			}
		})
	}
	if err := (&Plan{FormatVersion: "9.1"}).Validate(); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("Validate of version 9.1 = %v, want ErrUnsupportedVersion", err)
	}
}
