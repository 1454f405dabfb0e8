package state

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

func TestCampaigns(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	sent := time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC)
	cs := []Campaign{
		{Connection: "esp", Key: "c2", Name: "Welcome", Type: sdk.CampaignAutoresponder, List: "news",
			Subject: "Hello", Sender: "team@example.com"},
		{Connection: "esp", Key: "c1", Name: "February", Type: sdk.CampaignEmail, List: "news",
			Subject: "News for February", Sender: "news@example.com", SentAt: sent},
		{Connection: "esp", Key: "c3", Name: "Offer", Type: sdk.CampaignEmail, List: "offers", SentAt: sent},
		{Connection: "other", Key: "c1", Name: "Same key elsewhere", Type: sdk.CampaignEmail, List: "news"},
	}
	if err := s.UpsertCampaigns(ctx, cs); err != nil {
		t.Fatal(err)
	}
	renamed := cs[1]
	renamed.Name, renamed.Subject = "February (resent)", "News, again"
	if err := s.UpsertCampaigns(ctx, []Campaign{renamed}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, connection, list string
		want                   []Campaign
	}{
		{"all", "", "", []Campaign{renamed, cs[0], cs[2], cs[3]}},
		{"one connection", "esp", "", []Campaign{renamed, cs[0], cs[2]}},
		{"one list", "esp", "news", []Campaign{renamed, cs[0]}},
		{"one list of every connection", "", "news", []Campaign{renamed, cs[0], cs[3]}},
		{"none", "esp", "nope", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Campaigns(ctx, tt.connection, tt.list)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if err := s.UpsertCampaigns(ctx, []Campaign{{Connection: "esp", Key: "bad", Type: sdk.CampaignType(9)}}); err == nil {
		t.Error("campaign of an invalid type accepted")
	}
}

func TestEvents(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	at := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	ev := func(campaign, key string, typ sdk.EventType, min int) Event {
		return Event{Connection: "esp", List: "news", Campaign: campaign, Key: key, Type: typ, At: at.Add(time.Duration(min) * time.Minute)}
	}
	es := []Event{
		ev("c1", "a", sdk.EventDelivered, 0),
		ev("c1", "a", sdk.EventOpened, 5),
		ev("c1", "a", sdk.EventOpened, 6), // a second open is another event
		ev("c1", "b", sdk.EventDelivered, 0),
		ev("c1", "b", sdk.EventBounced, 1),
		ev("c2", "a", sdk.EventClicked, 30),
		{Connection: "other", List: "x", Campaign: "c1", Key: "a", Type: sdk.EventComplained, At: at},
	}
	added, err := s.AddEvents(ctx, es)
	if err != nil {
		t.Fatal(err)
	}
	if added != len(es) {
		t.Errorf("AddEvents added %d, want %d", added, len(es))
	}
	// Reading the same events again adds nothing.
	added, err = s.AddEvents(ctx, append(es[:2:2], ev("c2", "b", sdk.EventUnsubscribed, 40)))
	if err != nil {
		t.Fatal(err)
	}
	if added != 1 {
		t.Errorf("AddEvents of repeats added %d, want 1", added)
	}
	es = append(es, ev("c2", "b", sdk.EventUnsubscribed, 40))

	for _, tt := range []struct {
		name string
		q    EventQuery
		want []Event
	}{
		{"everything", EventQuery{}, []Event{es[0], es[1], es[2], es[4], es[3], es[5], es[7], es[6]}},
		{"one campaign", EventQuery{Connection: "esp", Campaign: "c1"}, []Event{es[0], es[1], es[2], es[4], es[3]}},
		{"one recipient", EventQuery{Connection: "esp", Key: "a"}, []Event{es[0], es[1], es[2], es[5]}},
		{"one type", EventQuery{Type: sdk.EventOpened}, []Event{es[1], es[2]}},
		{"one list", EventQuery{List: "x"}, []Event{es[6]}},
		{"nothing", EventQuery{Connection: "esp", Campaign: "c9"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []Event
			if err := s.Events(ctx, tt.q, func(e Event) error { got = append(got, e); return nil }); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	stop := errors.New("stop")
	if err := s.Events(ctx, EventQuery{}, func(Event) error { return stop }); err != stop {
		t.Errorf("Events returned %v, want the callback's error", err)
	}
	if _, err := s.AddEvents(ctx, []Event{{Connection: "esp", Campaign: "c1", Key: "a"}}); err == nil {
		t.Error("event without a type accepted")
	}
}

// TestProvenance: provenance is recorded on upsert and outlives the member
// and the pipeline.
func TestProvenance(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	l := register(t, s, "p")
	t0 := c.Now()
	m := members(1, 1)[0]
	if _, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: l.Token, Upsert: []Member{m}}); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Hour)
	// The key moves to another source record, then leaves the list.
	m2 := m
	m2.SourceID = "src-merged"
	if _, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: l.Token, Upsert: []Member{m2, m2}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, &Commit{Pipeline: "p", Token: l.Token, Delete: []string{m.Key}}); err != nil {
		t.Fatal(err)
	}
	// Another pipeline writes the same key to the same list.
	lq := register(t, s, "q")
	if _, err := s.Commit(ctx, &Commit{Pipeline: "q", Token: lq.Token, Upsert: []Member{m}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPipelineStatus(ctx, "p", PipelineDeleted, ""); err != nil {
		t.Fatal(err)
	}

	prov := func(pipeline, source string, at time.Time) Provenance {
		return Provenance{Pipeline: pipeline, Connection: "esp", List: "news", Key: m.Key, SourceID: source,
			Module: "Contacts", FirstSeen: at}
	}
	got, err := s.ProvenanceOfKey(ctx, "esp", "news", m.Key)
	if err != nil {
		t.Fatal(err)
	}
	want := []Provenance{prov("p", "src-1", t0), prov("p", "src-merged", c.Now()), prov("q", "src-1", c.Now())}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ProvenanceOfKey (-want +got):\n%s", diff)
	}
	got, err = s.ProvenanceOfSource(ctx, "p", "src-merged")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[1:2], got); diff != "" {
		t.Errorf("ProvenanceOfSource (-want +got):\n%s", diff)
	}
	for _, q := range [][3]string{{"esp", "offers", m.Key}, {"other", "news", m.Key}, {"esp", "news", "nobody"}} {
		if got, err := s.ProvenanceOfKey(ctx, q[0], q[1], q[2]); err != nil || len(got) != 0 {
			t.Errorf("ProvenanceOfKey(%q) = %v, %v; want nothing", q, got, err)
		}
	}
}

func TestDone(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	register(t, s, "p")
	register(t, s, "q")
	if err := s.PutDone(ctx, "p", "campaign", []string{"c1", "c2"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDone(ctx, "p", "campaign", []string{"c2", "c3"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDone(ctx, "p", "campaign", nil); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		pipeline, kind, target string
		want                   bool
	}{
		{"p", "campaign", "c1", true},
		{"p", "campaign", "c3", true},
		{"p", "recipient", "c1", false},
		{"q", "campaign", "c1", false},
		{"p", "campaign", "c4", false},
		{"unknown", "campaign", "c1", false},
	} {
		t.Run(tt.pipeline+"/"+tt.kind+"/"+tt.target, func(t *testing.T) {
			got, err := s.HasDone(ctx, tt.pipeline, tt.kind, tt.target)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("HasDone = %v, want %v", got, tt.want)
			}
		})
	}
	if err := s.PutDone(ctx, "unknown", "campaign", []string{"c1"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("PutDone of an unregistered pipeline: %v, want ErrNotFound", err)
	}
}
