package state

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// everything is every kind of record the store keeps.
type everything struct {
	Pipelines    []Pipeline
	State        state
	Suppressions []Suppression
	Campaigns    []Campaign
	Events       []Event
	Done         bool
	Lease        error
}

func readEverything(t *testing.T, s *SQLite) everything {
	t.Helper()
	ctx := context.Background()
	var e everything
	var err error
	if e.Pipelines, err = s.Pipelines(ctx); err != nil {
		t.Fatal(err)
	}
	e.State = dump(t, s, "p")
	if e.Suppressions, err = s.Suppressions(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if e.Campaigns, err = s.Campaigns(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Events(ctx, EventQuery{}, func(ev Event) error { e.Events = append(e.Events, ev); return nil }); err != nil {
		t.Fatal(err)
	}
	if e.Done, err = s.HasDone(ctx, "p", "recipient", "a@example.com"); err != nil {
		t.Fatal(err)
	}
	_, e.Lease = s.AcquireLease(ctx, "p", "reader:1", time.Minute)
	return e
}

// TestRoundTrip writes one of every record, closes the store, and reads
// them back from a new one, comparing with what was written.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	c := newClock()
	s, err := OpenSQLite(ctx, path, WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	t0 := c.Now()
	cursor := time.Date(2026, 3, 1, 0, 0, 0, 999, time.FixedZone("CET", 3600))
	sent := time.Date(2026, 3, 2, 7, 30, 0, 0, time.UTC)

	p := Pipeline{Name: "p", ConfigHash: "sha256:0f", SourceConnection: "crm", SourceModule: "Leads",
		SinkConnection: "esp", SinkList: "news", Accounts: map[string]string{"crm": "org 1", "esp": "ü-42"},
		Status: PipelineDisabled, StatusReason: `connection "esp" reports account 43`, RegisteredAt: t0.Add(-time.Hour)}
	if _, err := s.RegisterPipeline(ctx, p); err != nil {
		t.Fatal(err)
	}
	l, err := s.AcquireLease(ctx, "p", "writer:1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	run, err := s.StartRun(ctx, "p", RunApply, "plan-9")
	if err != nil {
		t.Fatal(err)
	}
	ms := []Member{
		{Key: "a@example.com", SourceID: "L-1", Position: 0, Hash: 1<<64 - 1, Fields: []byte(`{"name":"Ä \"quoted\""}`), Status: MemberActive},
		{Key: "b@example.com", SourceID: "L-2", Position: -1, Hash: 0, Fields: []byte{0, 1, 2, 255}, Status: MemberUnsubscribed},
		{Key: "c@example.com", SourceID: "", Position: 1 << 62, Hash: 1 << 63, Fields: []byte(`{}`), Status: MemberComplained},
		{Key: "d@example.com", SourceID: "L-4", Position: 3, Hash: 7, Fields: []byte(`null`), Status: MemberBounced},
	}
	if _, err := s.Commit(ctx, &Commit{
		Pipeline: "p", Token: l.Token, Run: run, Upsert: ms,
		Rejected:   []Rejection{{SourceID: "L-5", Key: "e@example", Reason: "invalid email"}, {SourceID: "L-6", Reason: "no key"}},
		Progress:   map[string]int64{"add": 4, "rejected": 2, "big": 1 << 60},
		Watermarks: map[string]Watermark{WatermarkSource: {Cursor: cursor}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AdvanceWatermark(ctx, "p", l.Token, WatermarkFeedback, Watermark{Cursor: sent, Checkpoint: `{"page":"x"}`}); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Minute)
	if err := s.FinishRun(ctx, run, RunResult{Outcome: OutcomeFailed, Error: "sink: 503"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddSuppressions(ctx, []Suppression{
		{Connection: "esp", Key: "b@example.com", Reason: SuppressUnsubscribed, List: "news"},
		{Connection: "esp", Key: "x@example.com", Reason: SuppressDoNotMail, AddedAt: sent},
	}); err != nil {
		t.Fatal(err)
	}
	camp := Campaign{Connection: "esp", Key: "cmp-1", Name: "March", Type: sdk.CampaignEmail, List: "news",
		Subject: "Spring", Sender: "news@example.com", SentAt: sent}
	if err := s.UpsertCampaigns(ctx, []Campaign{camp}); err != nil {
		t.Fatal(err)
	}
	var events []Event
	for i, typ := range []sdk.EventType{sdk.EventDelivered, sdk.EventUnopened, sdk.EventOpened, sdk.EventClicked,
		sdk.EventBounced, sdk.EventUnsubscribed, sdk.EventComplained} {
		events = append(events, Event{Connection: "esp", List: "news", Campaign: "cmp-1", Key: "a@example.com",
			Type: typ, At: sent.Add(time.Duration(i) * time.Second)})
	}
	if _, err := s.AddEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDone(ctx, "p", "recipient", []string{"a@example.com"}); err != nil {
		t.Fatal(err)
	}

	written := readEverything(t, s)
	want := everything{
		Pipelines: []Pipeline{p},
		State: state{
			Members: ms,
			Serial:  1,
			Rejections: []Rejection{
				{SourceID: "L-5", Key: "e@example", Reason: "invalid email", Attempts: 1, FirstSeen: t0, LastSeen: t0},
				{SourceID: "L-6", Reason: "no key", Attempts: 1, FirstSeen: t0, LastSeen: t0},
			},
			Watermarks: map[string]Watermark{
				WatermarkSource:   {Cursor: cursor},
				WatermarkFeedback: {Cursor: sent, Checkpoint: `{"page":"x"}`},
			},
			Runs: []Run{{ID: run, Pipeline: "p", Kind: RunApply, PlanID: "plan-9", StartedAt: t0, FinishedAt: c.Now(),
				Outcome: OutcomeFailed, Error: "sink: 503", Counts: map[string]int64{"add": 4, "rejected": 2, "big": 1 << 60}}},
		},
		Suppressions: []Suppression{
			{Connection: "esp", Key: "b@example.com", Reason: SuppressUnsubscribed, List: "news", AddedAt: c.Now()},
			{Connection: "esp", Key: "x@example.com", Reason: SuppressDoNotMail, AddedAt: sent},
		},
		Campaigns: []Campaign{camp},
		Events:    events,
		Done:      true,
		Lease:     &LockedError{Pipeline: "p", Holder: "writer:1", Since: t0},
	}
	for _, m := range ms {
		want.State.Provenance = append(want.State.Provenance, Provenance{Pipeline: "p", Connection: "esp", List: "news",
			Key: m.Key, SourceID: m.SourceID, Module: "Leads", FirstSeen: t0})
	}
	// Events sort by type name within a recipient.
	want.Events = []Event{events[4], events[3], events[6], events[0], events[2], events[1], events[5]}

	if diff := cmp.Diff(want, written, cmp.Comparer(errorsEqual)); diff != "" {
		t.Errorf("read back from the writing store (-want +got):\n%s", diff)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = OpenSQLite(ctx, path, WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if diff := cmp.Diff(want, readEverything(t, s), cmp.Comparer(errorsEqual)); diff != "" {
		t.Errorf("read back after reopening (-want +got):\n%s", diff)
	}
}

func errorsEqual(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Error() == b.Error()
}

func TestEnumStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{PipelineActive.String(), "active"},
		{PipelineStoppedCredentials.String(), "stopped_credentials"},
		{PipelineDeleted.String(), "deleted"},
		{PipelineStatus(0).String(), "PipelineStatus(0)"},
		{MemberBounced.String(), "bounced"},
		{MemberStatus(9).String(), "MemberStatus(9)"},
		{SuppressDoNotMail.String(), "do_not_mail"},
		{SuppressManual.String(), "manual"},
		{RunFeedback.String(), "feedback"},
		{OutcomeInterrupted.String(), "interrupted"},
		{Outcome(0).String(), "Outcome(0)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("String() = %q, want %q", tt.got, tt.want)
		}
	}
	// The stored names of the sink's enums follow the SDK.
	if diff := cmp.Diff([]string{"", "delivered", "unopened", "opened", "clicked", "bounced", "unsubscribed", "complained"}, eventTypeNames); diff != "" {
		t.Errorf("event type names (-want +got):\n%s", diff)
	}
}
